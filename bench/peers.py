"""Benchmark unideploy against helmfile in one run, on the same N releases, with the API's floor.

Usage: .venv/bin/python bench/peers.py [--releases 50] [--repeat 3] [--parallel 8] [--json]
                                       [--schedule tiers|needs] [--helm-diff-source CHECKOUT]
Finds helmfile, helm and kubectl in the tools cache (scripts/setup/install-tools.sh), starts its
own sandbox, writes the same stack as stack.yaml and helmfile.yaml (bench/peers_support.py) and,
each round into fresh namespaces per tool and alternating which tool goes first, times: a full
deploy on empty namespaces, a no-op redeploy, an incremental no-op, a diff with nothing changed
and a one-release change. The floor is a raw `kubectl apply --server-side` of the same rendered
objects plus `kubectl wait` for every Deployment. Prints medians, unideploy / helmfile ratios and
multiples of the floor; peak RSS of the deploys; `--help` and `validate` of the reference stack
(median of 10). unideploy's modules are compiled to bytecode first, as an install leaves them.
Rows that need the helm-diff plugin say so instead of a figure when it is absent;
`--helm-diff-source` builds the plugin from a checkout of it (where the module proxy refuses it).
Run it inside `unshare -n sh -c 'ip link set lo up; ...'` on a machine doing nothing else.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from peers_support import (
    CONTEXT,
    NAMESPACES,
    REPO,
    UNIDEPLOY,
    Run,
    Tools,
    change_breakdown,
    compile_package,
    find_tools,
    floor_manifest,
    install_helm_diff,
    machine,
    run,
    table,
    write_stacks,
    write_values,
)

from unideploy.sandbox import Sandbox, missing_tools

NO_HELM_DIFF = (
    "not measured: no helm-diff plugin (the Go proxy refuses it here; see --helm-diff-source)"
)
ROWS = [  # key, label, unideploy command, helmfile command
    ("full", "full deploy (empty namespaces)", "deploy", "helmfile sync"),
    ("noop", "no-op redeploy", "deploy", "helmfile sync"),
    ("incremental", "incremental no-op", "deploy --incremental", "helmfile apply"),
    ("diff", "diff, nothing changed", "diff --detailed-exitcode", "helmfile diff"),
    ("change", "one-release change", "deploy --incremental", "helmfile sync"),
]
TEST_KEY = REPO / "environments" / "development" / "age-key.TEST-KEY-ONLY.txt"


class Bench:
    def __init__(self, tools: Tools, box: Sandbox, tmp: Path, args: argparse.Namespace) -> None:
        self.tools, self.box, self.tmp, self.args = tools, box, tmp, args
        self.machine_before = machine()
        self.rendered = tmp / "rendered"
        self.env = {**os.environ, "UNIDEPLOY_QUIET": "1", "KUBECONFIG": str(box.kubeconfig)}
        self.times: dict[str, dict[str, list[float]]] = {key: {} for key, *_ in ROWS}
        self.rss: dict[str, list[float]] = {"unideploy": [], "helmfile": []}
        self.codes: dict[str, list[int]] = {"diff": []}
        self.floor: list[float] = []
        self.breakdown: list[dict[str, float]] = []

    def unideploy(self, stack: Path, *args: str, ok: tuple[int, ...] = (0,)) -> Run:
        return run([UNIDEPLOY, "--stack", str(stack), *args], self.env, stack, ok)

    def deploy(self, stack: Path, *extra: str) -> Run:
        parallel = ("--parallel", str(self.args.parallel), "--schedule", self.args.schedule)
        skips = ("--skip-security", "--skip-tests")
        return self.unideploy(stack, "deploy", "-e", "development", *skips, *parallel, *extra)

    def helmfile(self, helmfile: Path, command: str) -> Run:
        cmd = [str(self.tools.helmfile), "--helm-binary", str(self.tools.helm), "-f", str(helmfile)]
        cmd += [command, "--concurrency", str(self.args.parallel), "--skip-deps"]
        return run(cmd, self.env, helmfile.parent, ok=(0, 2) if command == "diff" else (0,))

    def record(self, key: str, tool: str, result: Run) -> None:
        self.times[key].setdefault(tool, []).append(result.seconds)

    def round(self, number: int) -> None:
        roots = [self.tmp / f"r{number}-{tool}" for tool in ("u", "h")]
        ours, _ = write_stacks(roots[0], self.box.kubeconfig, self.args.releases, f"u{number}")
        _, theirs = write_stacks(roots[1], self.box.kubeconfig, self.args.releases, f"h{number}")
        diff = ("diff", "-e", "development", "--detailed-exitcode", "--parallel")
        steps: dict[str, dict[str, Any]] = {
            "full": {
                "unideploy": lambda: self.deploy(ours),
                "helmfile": lambda: self.helmfile(theirs, "sync"),
            },
            "noop": {
                "unideploy": lambda: self.deploy(ours),
                "helmfile": lambda: self.helmfile(theirs, "sync"),
            },
            "incremental": {
                "unideploy": lambda: self.deploy(ours, "--incremental"),
                "helmfile": lambda: self.helmfile(theirs, "apply"),
            },
            "diff": {
                "unideploy": lambda: self.unideploy(
                    ours, *diff, str(self.args.parallel), ok=(0, 3)
                ),
                "helmfile": lambda: self.helmfile(theirs, "diff"),
            },
            "change": {
                "unideploy": lambda: self.deploy(ours, "--incremental"),
                "helmfile": lambda: self.helmfile(theirs, "sync"),
            },
        }
        for position, (key, pair) in enumerate(steps.items()):
            if key == "change":
                for root in roots:
                    write_values(root, replicas=2)
            order = ["unideploy", "helmfile"]
            if (number + position) % 2:
                order.reverse()
            for tool in order:
                if (
                    tool == "helmfile"
                    and key in ("incremental", "diff")
                    and not self.tools.helm_diff
                ):
                    continue
                result = pair[tool]()
                self.record(key, tool, result)
                if key == "full":
                    self.rss[tool].append(result.max_rss_mb)
                if key == "diff" and tool == "unideploy":
                    self.codes["diff"].append(result.code)
                if key == "change" and tool == "unideploy":
                    self.breakdown.append(self.explain(ours, result.seconds))
            print(
                f"  round {number + 1} {key}: "
                + ", ".join(
                    f"{tool} {self.times[key][tool][-1]:.2f} s"
                    for tool in order
                    if tool in self.times[key]
                ),
                file=sys.stderr,
                flush=True,
            )
        self.floor.append(self.raw_apply(number))
        if number + 1 < max(1, self.args.repeat):
            self.teardown(number)

    def teardown(self, number: int) -> None:
        """Delete the round's namespaces, untimed: a round uses 3N of the 254 Service IPs."""
        spaces = [f"{tool}{number}-bench-{i}" for tool in "uhf" for i in range(NAMESPACES)]
        delete = ["delete", "namespace", "--ignore-not-found", "--wait", "--timeout=600s", *spaces]
        run([str(self.tools.kubectl), "--context", CONTEXT, *delete], self.env, self.tmp)

    def explain(self, stack: Path, wall_s: float) -> dict[str, float]:
        """The change's record read back after its timing: process, run, changed release."""
        shown = self.unideploy(stack, "history", "-e", "development", "--limit", "1", "-o", "json")
        # stdout and stderr arrive merged: the document is the JSON array in it
        document, _end = json.JSONDecoder().raw_decode(shown.output[shown.output.index("[") :])
        return change_breakdown(document, wall_s)

    def render(self) -> None:
        """The same objects, rendered once by unideploy for the floor."""
        ours, _ = write_stacks(self.tmp / "render", self.box.kubeconfig, self.args.releases, "f")
        out = str(self.rendered)
        self.unideploy(
            ours, "gitops", "render", "-e", "development", "--flavor", "manifests", "--out", out
        )

    def raw_apply(self, number: int) -> float:
        manifest, spaces = floor_manifest(
            self.rendered, f"f{number}", self.tmp / f"floor-{number}.yaml"
        )
        kubectl = [str(self.tools.kubectl), "--context", CONTEXT]
        apply = run(
            [*kubectl, "apply", "--server-side", "--field-manager", "bench", "-f", str(manifest)],
            self.env,
            self.tmp,
        )
        waited = [
            run(
                [
                    *kubectl,
                    "wait",
                    "-n",
                    ns,
                    "deployment",
                    "--all",
                    "--for=condition=Available",
                    "--timeout=600s",
                ],
                self.env,
                self.tmp,
            )
            for ns in spaces
        ]
        seconds = apply.seconds + sum(w.seconds for w in waited)
        print(f"  round {number + 1} floor: {seconds:.2f} s", file=sys.stderr, flush=True)
        return seconds

    def startup(self) -> dict[str, float]:
        env = {**self.env, "SOPS_AGE_KEY_FILE": str(TEST_KEY)} if TEST_KEY.exists() else self.env
        stack = REPO / "stack.yaml"
        help_runs = [run([UNIDEPLOY, "--help"], env, REPO).seconds for _ in range(10)]
        validate = [
            run(
                [UNIDEPLOY, "--stack", str(stack), "validate", "-e", "development"], env, REPO
            ).seconds
            for _ in range(10)
        ]
        return {"help_s": statistics.median(help_runs), "validate_s": statistics.median(validate)}

    def main(self) -> dict[str, Any]:
        start = self.startup()
        self.render()
        for number in range(max(1, self.args.repeat)):
            self.round(number)
        return self.result(start)

    def result(self, start: dict[str, float]) -> dict[str, Any]:
        floor = statistics.median(self.floor)
        rows = []
        for key, label, ours, theirs in ROWS:
            runs = self.times[key]
            med = {tool: round(statistics.median(values), 2) for tool, values in runs.items()}
            row: dict[str, Any] = {
                "key": key,
                "work": label,
                "unideploy_cmd": ours,
                "helmfile_cmd": theirs,
                "runs_s": runs,
                "median_s": med,
            }
            if "helmfile" in med:
                row["ratio_unideploy_over_helmfile"] = round(med["unideploy"] / med["helmfile"], 3)
            else:
                row["helmfile"] = NO_HELM_DIFF
            row["times_floor"] = {tool: round(value / floor, 2) for tool, value in med.items()}
            rows.append(row)
        return {
            "releases": self.args.releases,
            "repeat": self.args.repeat,
            "parallel": self.args.parallel,
            "schedule": self.args.schedule,
            "machine_before": self.machine_before,
            "machine_after": machine(),
            "floor_s": round(floor, 2),
            "floor_runs_s": [round(x, 2) for x in self.floor],
            "rows": rows,
            "diff_exit_codes": self.codes["diff"],
            "peak_rss_mb": {tool: round(max(v), 1) for tool, v in self.rss.items() if v},
            "startup_median_of_10_s": {k: round(v, 3) for k, v in start.items()},
            "change_breakdown": self.breakdown,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--releases", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians over them)")
    parser.add_argument(
        "--parallel", type=int, default=8, help="unideploy --parallel, helmfile --concurrency"
    )
    parser.add_argument(
        "--schedule",
        choices=("tiers", "needs"),
        default="tiers",
        help="unideploy deploy --schedule: tiers (barriers between tiers) or needs (each release "
        "as soon as its needs are met, the order helmfile, which has no tiers, follows)",
    )
    parser.add_argument(
        "--helm-diff-source",
        type=Path,
        help="a checkout of github.com/databus23/helm-diff to build the plugin from, where the "
        "module proxy refuses it (helmfile apply and diff need it)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.helm_diff_source is not None:
        plugins = Path(tempfile.mkdtemp(prefix="unideploy-peers-plugins-"))
        install_helm_diff(args.helm_diff_source.resolve(), plugins)
        os.environ["HELM_PLUGINS"] = str(plugins)
    tools = find_tools(os.environ)
    compiled = compile_package()
    if missing_tools():
        raise SystemExit("peers: sandbox tools missing; run scripts/setup/install-tools.sh")
    with tempfile.TemporaryDirectory(prefix="unideploy-peers-") as tmp:
        # A round's 3N pods (deleted before the next round): fake nodes of 110 pods each.
        nodes = math.ceil((3 * args.releases + 10) / 100)
        box = Sandbox(Path(tmp) / "sandbox", nodes=nodes)
        bench = Bench(tools, box, Path(tmp), args)
        box.up()
        try:
            result = bench.main()
        finally:
            box.down(purge=True)
    result["helm_diff"] = tools.helm_diff
    result["bytecode_compiled_before_timing"] = compiled
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

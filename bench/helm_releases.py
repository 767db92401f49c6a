"""Benchmark a generated stack of N releases on the sandbox: full deploy, no-op redeploy, diff.

Usage: .venv/bin/python bench/helm_releases.py [--releases 50] [--json]
Starts its own sandbox in a temporary directory, deploys N copies of the reference web-app chart
(5 namespaces, 2 tiers, needs chains), then times `deploy --incremental` with nothing changed and
`diff` (the median of `--repeat` runs each). Prints seconds and what the targets speak of: no-op
redeploy / full deploy (target ≤ 0.1) and the diff's seconds (target ≤ 3 s for 50 releases), all
measured in the same run. Run it inside `unshare -n` on a machine doing nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers_support import compile_package

from unideploy.sandbox import Sandbox, missing_tools

REPO = Path(__file__).resolve().parents[1]
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")
DIFF_TARGET_S = 3.0


def write_stack(root: Path, kubeconfig: Path, releases: int) -> Path:
    lines = [
        "apiVersion: unideploy.io/v1",
        "name: bench",
        "tiers: [backend, frontend]",
        "environments:",
        "  development:",
        "    values: [values.yaml]",
        f"    cluster: {{kubeconfig: {kubeconfig}, context: unideploy-sandbox}}",
        "releases:",
    ]
    half = releases // 2
    for index in range(releases):
        lines += [
            f"  - name: app-{index}",
            f"    namespace: bench-{index % 5}",
            f"    chart: {{path: {REPO / 'helm' / 'charts' / 'web-app'}}}",
            f"    tier: {'backend' if index < half else 'frontend'}",
        ]
        if index >= half:  # each frontend release needs one backend release
            lines.append(f"    needs: [bench-{(index - half) % 5}/app-{index - half}]")
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text("\n".join(lines) + "\n")
    (root / "values.yaml").write_text("global:\n  replicas: {min: 1}\n")
    return root


def timed(stack: Path, *args: str) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [UNIDEPLOY, "--stack", str(stack), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIDEPLOY_QUIET": "1"},
        check=False,
    )
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of no-op and diff (median)")
    parser.add_argument(
        "--schedule", choices=("tiers", "needs"), default="tiers", help="deploy --schedule"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if missing_tools():
        print("sandbox tools missing; run scripts/setup/install-tools.sh")
        return 2
    compile_package()  # time unideploy as installed: its modules already compiled
    with tempfile.TemporaryDirectory(prefix="unideploy-bench-") as tmp:
        box = Sandbox(Path(tmp) / "sandbox")
        box.up()
        try:
            stack = write_stack(Path(tmp) / "stack", box.kubeconfig, args.releases)
            parallel = ("--parallel", str(args.parallel))
            deploy: tuple[str, ...] = ("deploy", "-e", "development", "--skip-security", *parallel)
            deploy += ("--schedule", args.schedule)
            full = timed(stack, *deploy)
            noops, diffs = [], []
            for _ in range(max(1, args.repeat)):
                noops.append(timed(stack, *deploy, "--incremental"))
                diffs.append(
                    timed(stack, "diff", "-e", "development", "--detailed-exitcode", *parallel)
                )
            noop, diff = statistics.median(noops), statistics.median(diffs)
        finally:
            box.down(purge=True)
    result = {
        "releases": args.releases,
        "schedule": args.schedule,
        "full_deploy_s": round(full, 2),
        "noop_incremental_s": round(noop, 2),
        "diff_s": round(diff, 2),
        "noop_over_full": round(noop / full, 3),
        "noop_runs_s": [round(t, 2) for t in noops],
        "diff_runs_s": [round(t, 2) for t in diffs],
        "diff_target_s": DIFF_TARGET_S,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.releases} releases on the sandbox (parallel {args.parallel}, "
            f"schedule {args.schedule})"
        )
        print(f"  full deploy        {full:7.2f} s   (baseline)")
        print(
            f"  no-op incremental  {noop:7.2f} s   ratio {noop / full:.3f} of full (target ≤ 0.1)"
        )
        print(
            f"  diff               {diff:7.2f} s   ratio {diff / full:.3f} of full "
            f"(target ≤ {DIFF_TARGET_S:g} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

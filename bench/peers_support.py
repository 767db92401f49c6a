"""Helpers of bench/peers.py: find the peer tools, write one stack in both formats, time a command.

bench/peers.py runs unideploy and helmfile on the same generated releases; this module finds the
binaries install-tools.sh built, writes stack.yaml and the equivalent helmfile.yaml (same chart by
path, namespaces, values and `needs`), runs a command with its wall time and peak memory, and
turns rendered manifests into the input of the raw server-side-apply floor.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")
CHART = REPO / "helm" / "charts" / "web-app"
INSTALL = "scripts/setup/install-tools.sh"
CONTEXT = "unideploy-sandbox"
NAMESPACES = 5
CHANGED_RELEASE = "app-0"


@dataclass(frozen=True)
class Tools:
    helmfile: Path
    helm: Path
    kubectl: Path
    helm_diff: bool


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_mb: float
    code: int
    output: str


def compile_package() -> bool:
    """Compile unideploy's modules to bytecode, as installing it does (pip compiles at install).

    A source checkout run where PYTHONDONTWRITEBYTECODE=1 is set never writes the bytecode cache:
    every command would first compile each module of ours it imports, a cost no installed
    unideploy pays. The bench times the installed shape.
    """
    import compileall

    import unideploy

    return bool(compileall.compile_dir(Path(unideploy.__file__).parent, quiet=1))


def tools_dir() -> Path:
    """The tools cache: $UNIDEPLOY_TOOLS_DIR, else what install-tools.sh --print-dir says."""
    if os.environ.get("UNIDEPLOY_TOOLS_DIR"):
        return Path(os.environ["UNIDEPLOY_TOOLS_DIR"])
    done = subprocess.run(
        ["bash", str(REPO / INSTALL), "--print-dir"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"peers: `{INSTALL} --print-dir` failed: {done.stderr.strip()}")
    return Path(done.stdout.strip())


def _binary(root: Path, name: str) -> Path:
    found = sorted(root.glob(f"{name}-v*/{name}"))
    complete = [path for path in found if (path.parent / ".complete").exists()]
    if not complete:
        raise SystemExit(
            f"peers: no {name} under {root} (looked for {name}-v*/{name} with .complete); "
            f"build it with `bash {INSTALL}` (it builds helmfile, helm and kubectl from their "
            "Go modules), or point UNIDEPLOY_TOOLS_DIR at a cache that has it"
        )
    return complete[-1]


def install_helm_diff(source: Path, plugins: Path) -> None:
    """Build the helm-diff plugin from a source tree (go build) into a plugins dir of our own.

    For machines whose module proxy refuses github.com/databus23/helm-diff/v3: a checkout of it
    (any tag whose go.mod names the Helm major version install-tools builds) gives the same
    plugin. Helm finds it through HELM_PLUGINS; nothing outside `plugins` is touched.
    """
    binary = source / "bin" / "diff"
    if not binary.exists():
        print(f"peers: building helm-diff from {source}", file=sys.stderr, flush=True)
        done = subprocess.run(
            ["go", "build", "-trimpath", "-o", str(binary), "."],
            cwd=source,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"peers: building helm-diff failed:\n{done.stderr[-2000:]}")
    plugin = plugins / "diff"
    (plugin / "bin").mkdir(parents=True, exist_ok=True)
    (plugin / "plugin.yaml").write_bytes((source / "plugin.yaml").read_bytes())
    link = plugin / "bin" / "diff"
    if not link.exists():
        link.symlink_to(binary.resolve())


def find_tools(env: Mapping[str, str]) -> Tools:
    root = tools_dir()
    helmfile, helm, kubectl = (_binary(root, name) for name in ("helmfile", "helm", "kubectl"))
    plugins = subprocess.run(
        [str(helm), "plugin", "list"], capture_output=True, text=True, env=dict(env)
    )
    has_diff = any(line.split()[:1] == ["diff"] for line in plugins.stdout.splitlines())
    return Tools(helmfile=helmfile, helm=helm, kubectl=kubectl, helm_diff=has_diff)


def run(cmd: Sequence[str], env: Mapping[str, str], cwd: Path, ok: Sequence[int] = (0,)) -> Run:
    """Run `cmd`, timing it; peak RSS is the largest of it and the children it waited for."""
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=subprocess.STDOUT, env=dict(env), cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if code not in ok:
        raise SystemExit(f"peers: `{' '.join(cmd)}` exited {code}:\n{text[-3000:]}")
    return Run(seconds=elapsed, max_rss_mb=usage.ru_maxrss / 1024, code=code, output=text)


def namespace(prefix: str, index: int) -> str:
    return f"{prefix}-bench-{index % NAMESPACES}"


def needs(prefix: str, index: int, releases: int) -> str | None:
    """Each frontend release (second half) needs one backend release, as bench/helm_releases.py."""
    half = releases // 2
    if index < half:
        return None
    return f"{namespace(prefix, index - half)}/app-{index - half}"


def write_stacks(root: Path, kubeconfig: Path, releases: int, prefix: str) -> tuple[Path, Path]:
    """stack.yaml in root/unideploy, helmfile.yaml in root/helmfile: the same N releases."""
    ours, theirs = root / "unideploy", root / "helmfile"
    ours.mkdir(parents=True, exist_ok=True)
    theirs.mkdir(parents=True, exist_ok=True)
    stack: dict[str, Any] = {
        "apiVersion": "unideploy.io/v1",
        "name": "bench",
        "tiers": ["backend", "frontend"],
        "environments": {
            "development": {
                "values": ["values.yaml"],
                "cluster": {"kubeconfig": str(kubeconfig), "context": CONTEXT},
            }
        },
        "releases": [],
    }
    helmfile: dict[str, Any] = {
        "helmDefaults": {"kubeContext": CONTEXT, "wait": True, "timeout": 600},
        "releases": [],
    }
    for index in range(releases):
        name, need = f"app-{index}", needs(prefix, index, releases)
        ours_release: dict[str, Any] = {
            "name": name,
            "namespace": namespace(prefix, index),
            "chart": {"path": str(CHART)},
            "tier": "backend" if need is None else "frontend",
        }
        theirs_release: dict[str, Any] = {
            "name": name,
            "namespace": namespace(prefix, index),
            "chart": str(CHART),
            "createNamespace": True,
            "values": ["values.yaml", f"{name}.yaml"]
            if name == CHANGED_RELEASE
            else ["values.yaml"],
        }
        if need is not None:
            ours_release["needs"] = [need]
            theirs_release["needs"] = [need]
        stack["releases"].append(ours_release)
        helmfile["releases"].append(theirs_release)
    (ours / "stack.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
    (theirs / "helmfile.yaml").write_text(yaml.safe_dump(helmfile, sort_keys=False))
    write_values(root, replicas=1)
    return ours, theirs / "helmfile.yaml"


def write_values(root: Path, replicas: int) -> None:
    """The values both tools give the chart; `replicas` is CHANGED_RELEASE's own replica count."""
    common = {"global": {"replicas": {"min": 1}}}
    own = {"replicas": replicas}
    (root / "unideploy" / "values.yaml").write_text(
        yaml.safe_dump({**common, CHANGED_RELEASE: own}, sort_keys=False)
    )
    (root / "helmfile" / "values.yaml").write_text(yaml.safe_dump(common, sort_keys=False))
    (root / "helmfile" / f"{CHANGED_RELEASE}.yaml").write_text(yaml.safe_dump(own))


def floor_manifest(rendered: Path, prefix: str, into: Path) -> tuple[Path, list[str]]:
    """Every object under rendered/manifests/<namespace>/…, moved to `prefix` namespaces."""
    docs: list[dict[str, Any]] = []
    spaces: set[str] = set()
    for path in sorted((rendered / "manifests").rglob("*.yaml")):
        source_ns = path.relative_to(rendered / "manifests").parts[0]
        target = f"{prefix}-bench-{source_ns.rsplit('-', 1)[1]}"
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind"):
                doc.setdefault("metadata", {})["namespace"] = target
                docs.append(doc)
                spaces.add(target)
    if not docs:
        raise SystemExit(f"peers: nothing rendered under {rendered / 'manifests'}")
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in spaces]
    into.write_text(yaml.safe_dump_all(objects + docs, sort_keys=False))
    return into, sorted(spaces)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()]}
    info["kernel"] = os.uname().release
    for line in Path("/proc/meminfo").read_text().splitlines()[:1]:
        info["memory"] = line.split(":", 1)[1].strip()
    return info


def change_breakdown(history: list[dict[str, Any]], wall_s: float) -> dict[str, float]:
    """Where a timed change went, from its run record (`history -o json --limit 1`, untimed).

    `process_s` is what the command spent outside the run itself: start-up, the stack, the lock
    and the run's records; `release_s` is CHANGED_RELEASE's step (render, reads, Helm, readiness).
    """
    record = history[0]
    steps = {step["id"]: step for phase in record["phases"] for step in phase["steps"]}
    phases = {phase["name"]: phase.get("duration") or 0.0 for phase in record["phases"]}
    return {
        "wall_s": round(wall_s, 3),
        "process_s": round(wall_s - record["duration"], 3),
        "run_s": round(record["duration"], 3),
        "preflight_s": round(phases.get("preflight", 0.0), 3),
        "release_s": round(steps[f"helm/{CHANGED_RELEASE}"]["duration"], 3),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['releases']} releases, {result['repeat']} rounds, "
        f"parallel/concurrency {result['parallel']}, schedule {result.get('schedule', 'tiers')}, "
        f"machine {result['machine_before']}",
        f"floor (kubectl apply --server-side + wait): {result['floor_s']:.2f} s",
        "| work | unideploy | helmfile | unideploy / helmfile | x floor (unideploy, helmfile) |",
        "|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        med, floor = row["median_s"], row["times_floor"]
        ours = f"`{row['unideploy_cmd']}` {med['unideploy']:.2f} s"
        if "helmfile" in med:
            theirs = f"`{row['helmfile_cmd']}` {med['helmfile']:.2f} s"
            ratio = f"{row['ratio_unideploy_over_helmfile']:.3f}"
            times = f"{floor['unideploy']:.2f}x, {floor['helmfile']:.2f}x"
        else:
            theirs, ratio, times = (
                f"`{row['helmfile_cmd']}` {row['helmfile']}",
                "—",
                f"{floor['unideploy']:.2f}x, —",
            )
        lines.append(f"| {row['work']} | {ours} | {theirs} | {ratio} | {times} |")
    rss, start = result["peak_rss_mb"], result["startup_median_of_10_s"]
    lines.append(
        f"peak RSS of a full deploy: unideploy {rss.get('unideploy')} MB, "
        f"helmfile (+helm) {rss.get('helmfile')} MB"
    )
    lines.append(
        f"`unideploy --help` {start['help_s']:.3f} s, "
        f"`validate -e development` {start['validate_s']:.3f} s (median of 10)"
    )
    lines.append(f"diff exit codes (0 = nothing to change): {result['diff_exit_codes']}")
    for number, part in enumerate(result.get("change_breakdown", []), start=1):
        lines.append(
            f"change, round {number}: {part['wall_s']:.2f} s = process {part['process_s']:.2f} s"
            f" + run {part['run_s']:.2f} s (preflight {part['preflight_s']:.2f} s, "
            f"{CHANGED_RELEASE} {part['release_s']:.2f} s)"
        )
    return "\n".join(lines)

"""Benchmark `unideploy drift` on 2,000 live objects: one LIST per kind vs a GET per object.

Usage: .venv/bin/python bench/drift_2000.py [--releases 20] [--per-kind 34] [--runs 3] [--json]
Starts its own sandbox (tools from scripts/setup/install-tools.sh), writes a stack of N releases of
a chart rendering ConfigMaps, headless Services and ServiceAccounts, creates the objects, then times
the drift check (median of runs, target ≤ 5 s) against the same comparison with one GET per object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from unideploy.config.load import load_stack
from unideploy.drift.compare import compare
from unideploy.drift.detect import DriftOptions, detect
from unideploy.engines.kube.apply import server_side_apply
from unideploy.engines.kube.client import KubeReader, api_client
from unideploy.sandbox import Sandbox, missing_tools
from unideploy.service.desired import DesiredState, desired_state

TARGET_S = 5.0
CHART = """\
{{- range $i := until (int .Values.perKind) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-cm-{{ $i }}
  labels: {app.kubernetes.io/instance: {{ $.Release.Name }}}
data:
  index: "{{ $i }}"
  release: {{ $.Release.Name }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $.Release.Name }}-svc-{{ $i }}
  labels: {app.kubernetes.io/instance: {{ $.Release.Name }}}
spec:
  clusterIP: None
  selector: {app: {{ $.Release.Name }}-{{ $i }}}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $.Release.Name }}-sa-{{ $i }}
  labels: {app.kubernetes.io/instance: {{ $.Release.Name }}}
{{- end }}
"""


def write_stack(root: Path, kubeconfig: Path, releases: int, per_kind: int) -> Path:
    chart = root / "charts" / "many"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: many\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(f"perKind: {per_kind}\n")
    (chart / "templates" / "objects.yaml").write_text(CHART)
    lines = [
        "apiVersion: unideploy.io/v1",
        "name: bench",
        "tiers: [apps]",
        "environments:",
        "  development:",
        "    values: [values.yaml]",
        f"    cluster: {{kubeconfig: {kubeconfig}, context: unideploy-sandbox}}",
        "releases:",
    ]
    for index in range(releases):
        lines += [
            f"  - name: r{index:02d}",
            f"    namespace: bench-{index % 4}",
            "    chart: {path: charts/many}",
            "    tier: apps",
        ]
    (root / "values.yaml").write_text("global: {}\n")
    (root / "stack.yaml").write_text("\n".join(lines) + "\n")
    return root


def create_objects(stack_root: Path, api: Any) -> int:
    state = desired_state(load_stack(stack_root / "stack.yaml"), "development")
    objects = []
    for item in state.releases:
        for obj in item.objects():
            annotations = {
                "meta.helm.sh/release-name": item.release.name,
                "meta.helm.sh/release-namespace": item.release.namespace,
            }
            obj["metadata"] = {**obj["metadata"], "annotations": annotations}
            objects.append(obj)
    for namespace in sorted({o["metadata"]["namespace"] for o in objects}):
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        server_side_apply(api, ns, namespace=None, dry_run=False)

    def apply(obj: dict[str, Any]) -> None:
        server_side_apply(api, obj, namespace=obj["metadata"]["namespace"], dry_run=False)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(apply, objects))
    return len(objects)


def get_per_object(state: DesiredState, api: Any) -> int:
    """The baseline: the same comparison, same rendering, one GET per desired object."""
    reader = KubeReader(api)
    drifted = 0
    for item in state.releases:
        for obj in item.objects():
            meta = obj["metadata"]
            live = reader.get(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
            if live is None or compare(obj, live, skip=lambda path: False):
                drifted += 1
    return drifted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=20)
    parser.add_argument("--per-kind", type=int, default=34, help="objects of each kind per release")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"missing tools: {', '.join(missing)}; run scripts/setup/install-tools.sh")
        return 2
    with tempfile.TemporaryDirectory(prefix="unideploy-bench-drift-") as tmp:
        box = Sandbox(Path(tmp) / "sandbox")
        box.up(timeout=180)
        try:
            root = write_stack(Path(tmp) / "stack", box.kubeconfig, args.releases, args.per_kind)
            api = api_client(box.kubeconfig, "unideploy-sandbox")
            created = create_objects(root, api)
            stack = load_stack(root / "stack.yaml")
            ours, renders, checks, baseline = [], [], [], []
            for _ in range(args.runs):
                started = time.monotonic()
                state = desired_state(stack, "development")
                rendered = time.monotonic()
                options = DriftOptions("development", terraform=False)
                report = detect(stack, options, state=state)
                done = time.monotonic()
                ours.append(done - started)
                renders.append(rendered - started)
                checks.append(done - rendered)
                assert not report.has_drift, report.to_dict()["summary"]
                started = time.monotonic()
                assert get_per_object(state, api) == 0
                baseline.append(time.monotonic() - started)
        finally:
            box.down(purge=True)
    result = {
        "objects": created,
        "drift_s": statistics.median(ours),
        "render_s": statistics.median(renders),
        "live_check_s": statistics.median(checks),
        "get_per_object_s": statistics.median(baseline),
        "target_s": TARGET_S,
    }
    result["ratio"] = result["get_per_object_s"] / result["live_check_s"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{created} live objects, {args.releases} releases, median of {args.runs} runs")
        print(f"  drift (list per kind)   {result['drift_s']:8.2f} s   (target ≤ {TARGET_S} s)")
        print(f"    of which Helm render  {result['render_s']:8.2f} s")
        print(f"    of which live check   {result['live_check_s']:8.2f} s   (lists + compare)")
        print(f"  GET per object          {result['get_per_object_s']:8.2f} s   (same rendering)")
        print(f"  GET per object / check  {result['ratio']:8.1f}x")
    return 0 if result["drift_s"] <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark `unideploy sandbox up`: cold (empty state dir) and warm (certificates and etcd kept).

Usage: .venv/bin/python bench/sandbox_up.py [--runs N] [--nodes N] [--json]
Needs the tools from scripts/setup/install-tools.sh. Each run: purge, up (cold), down, up (warm),
down --purge. Prints each run's seconds, the per-step times of the last run, and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from unideploy.sandbox import Sandbox, kubernetes_version, missing_tools


def timed_up(box: Sandbox) -> tuple[float, dict[str, float]]:
    started = time.monotonic()
    box.up()
    return time.monotonic() - started, dict(box.timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"missing tools: {', '.join(missing)}; run scripts/setup/install-tools.sh")
        return 2

    cold: list[float] = []
    warm: list[float] = []
    steps: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="unideploy-bench-") as tmp:
        box = Sandbox(Path(tmp) / "sandbox", nodes=args.nodes)
        for run in range(1, args.runs + 1):
            box.down(purge=True)
            seconds, steps["cold"] = timed_up(box)
            cold.append(seconds)
            box.down()
            seconds, steps["warm"] = timed_up(box)
            warm.append(seconds)
            box.down(purge=True)
            if not args.json:
                print(f"run {run}: cold {cold[-1]:6.2f} s   warm {warm[-1]:6.2f} s")

    result = {
        "kubernetes_version": kubernetes_version(),
        "nodes": args.nodes,
        "runs": args.runs,
        "cold_seconds": [round(s, 2) for s in cold],
        "warm_seconds": [round(s, 2) for s in warm],
        "cold_median": round(statistics.median(cold), 2),
        "warm_median": round(statistics.median(warm), 2),
        "last_run_steps": steps,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for kind in ("cold", "warm"):
            detail = ", ".join(f"{k} {v:.2f} s" for k, v in steps[kind].items())
            print(f"{kind} steps (last run): {detail}")
        print(
            f"median: cold {result['cold_median']} s, warm {result['warm_median']} s "
            f"(Kubernetes {result['kubernetes_version']}, {args.nodes} node(s))"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

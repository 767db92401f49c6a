#!/usr/bin/env python3
"""production_health_check.py — the post-deploy check, a thin wrapper over `unideploy health`.

Nodes, system pods, workloads, endpoints, load-balancer addresses and certificates of the
environment's cluster (default production); exits 1 when one of them is not healthy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from unideploy_wrapper import exec_unideploy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", "-e", default="production")
    parser.add_argument("--output", choices=["text", "json"], default="text")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--stack", help="stack.yaml to use")
    options = parser.parse_args()
    args = ["--stack", str(Path(options.stack).resolve())] if options.stack else []
    args += ["health", "-e", options.environment, "--output", options.output]
    if options.verbose:
        args.append("--verbose")
    exec_unideploy(args)


if __name__ == "__main__":
    main()

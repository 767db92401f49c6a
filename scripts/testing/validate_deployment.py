#!/usr/bin/env python3
"""validate_deployment.py — the seed's validation script, a thin wrapper over `unideploy validate`.

`--pre-deployment` adds the pre-deployment checks (cluster, tools, RBAC, Terraform state).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from unideploy_wrapper import exec_unideploy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", "-e", help="environment to validate (default: all)")
    parser.add_argument("--pre-deployment", action="store_true", help="also run preflight checks")
    parser.add_argument("--output", choices=["text", "json"], default="text")
    parser.add_argument("--stack", help="stack.yaml to use")
    options = parser.parse_args()
    args = ["--stack", options.stack] if options.stack else []
    args += ["validate", "--output", options.output]
    if options.environment:
        args += ["-e", options.environment]
    if options.pre_deployment:
        args.append("--pre-deployment")
    exec_unideploy(args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""security-policy-compliance-checks.py — the seed's policy script, over `unideploy security scan`.

With --manifests it scans those files or directories; without, it scans the environment's rendered
stack (-e, default $ENVIRONMENT or development). Exits 1 when the environment's policy refuses.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from unideploy_wrapper import exec_unideploy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", "-e", default=os.environ.get("ENVIRONMENT"))
    parser.add_argument("--manifests", "-m", action="append", default=[], metavar="PATH")
    parser.add_argument("--fail-on", choices=["low", "medium", "high", "critical", "none"])
    parser.add_argument("--output", "-o", choices=["text", "json", "sarif"], default="text")
    options = parser.parse_args()
    args = ["security", "scan", "--output", options.output]
    for path in options.manifests:
        args += ["--manifests", str(Path(path).resolve())]
    if options.environment or not options.manifests:
        args += ["-e", options.environment or "development"]
    if options.fail_on:
        args += ["--fail-on", options.fail_on]
    exec_unideploy(args)


if __name__ == "__main__":
    main()

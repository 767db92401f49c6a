#!/usr/bin/env python3
"""integration_tester.py — the seed's integration tests, a thin wrapper over `unideploy test`.

`--environment ENV` is required; `--category` (repeatable) narrows the run; the console report
is printed and the exit code passes through (1 when a test failed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from unideploy_wrapper import exec_unideploy

CATEGORIES = ["infrastructure", "connectivity", "application", "performance", "security"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", "-e", required=True)
    parser.add_argument("--category", action="append", choices=CATEGORIES, default=[])
    parser.add_argument("--output-format", choices=["console", "json", "junit", "markdown", "html"])
    parser.add_argument("--stack", help="stack.yaml to use")
    options = parser.parse_args()
    args = ["--stack", str(Path(options.stack).resolve())] if options.stack else []
    args += ["test", "-e", options.environment]
    if options.output_format:
        args += ["--output-format", options.output_format]
    for category in options.category:
        args += ["--category", category]
    exec_unideploy(args)


if __name__ == "__main__":
    main()

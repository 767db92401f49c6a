#!/usr/bin/env python3
"""integrated_test_orchestrator.py — every test, every report: `unideploy test --output-format all`.

Writes report.json, junit.xml, report.md and report.html into --output-dir (default test-reports/)
and prints the console summary; the environment defaults to $ENVIRONMENT, then development.
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
    parser.add_argument("--environment", "-e", default=os.environ.get("ENVIRONMENT", "development"))
    parser.add_argument("--output-dir", default="test-reports")
    parser.add_argument("--stack", help="stack.yaml to use")
    options = parser.parse_args()
    args = ["--stack", str(Path(options.stack).resolve())] if options.stack else []
    args += ["test", "-e", options.environment, "--output-format", "all"]
    args += ["--output-file", str(Path(options.output_dir).resolve())]
    exec_unideploy(args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""staging_validation.py — validate staging after a deploy: `unideploy test -e staging`.

Runs every integration test selected for staging and prints the console report; `--output-format`
and `--output-file` pick another report. Exit 1 when a test failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from unideploy_wrapper import exec_unideploy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", "-e", default="staging")
    parser.add_argument(
        "--output-format", choices=["console", "json", "junit", "markdown", "html", "all"]
    )
    parser.add_argument("--output-file")
    parser.add_argument("--stack", help="stack.yaml to use")
    options = parser.parse_args()
    args = ["--stack", str(Path(options.stack).resolve())] if options.stack else []
    args += ["test", "-e", options.environment]
    if options.output_format:
        args += ["--output-format", options.output_format]
    if options.output_file:
        args += ["--output-file", str(Path(options.output_file).resolve())]
    exec_unideploy(args)


if __name__ == "__main__":
    main()

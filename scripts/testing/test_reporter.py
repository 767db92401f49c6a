#!/usr/bin/env python3
"""test_reporter.py — the seed's test reporter, a thin wrapper over `unideploy test`.

Without --output-format it writes JUnit XML to test-results.xml (what the GitLab job collects);
`--output-format json` prints the JSON report on stdout (what the GitHub job redirects to a file).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from unideploy_wrapper import exec_unideploy

FORMATS = ["console", "json", "junit", "markdown", "html", "all"]
CATEGORIES = ["infrastructure", "connectivity", "application", "performance", "security"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environment", "-e", default=os.environ.get("ENVIRONMENT", "development"))
    parser.add_argument("--output-format", choices=FORMATS)
    parser.add_argument("--output-file", help="file (directory with `all`) to write the report to")
    parser.add_argument("--category", action="append", choices=CATEGORIES, default=[])
    parser.add_argument("--update-baseline", action="store_true")
    parser.add_argument("--stack", help="stack.yaml to use")
    options = parser.parse_args()
    output_format, output_file = options.output_format, options.output_file
    if output_format is None:
        output_format = "junit"
        output_file = output_file or "test-results.xml"
    args = ["--stack", str(Path(options.stack).resolve())] if options.stack else []
    args += ["test", "-e", options.environment, "--output-format", output_format]
    if output_file:
        args += ["--output-file", str(Path(output_file).resolve())]
    for category in options.category:
        args += ["--category", category]
    if options.update_baseline:
        args.append("--update-baseline")
    exec_unideploy(args)


if __name__ == "__main__":
    main()

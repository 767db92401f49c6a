#!/usr/bin/env python3
"""tls-configuration-validation.py — the seed's TLS script, a wrapper over `unideploy security tls`.

`--check-all` scans every endpoint of the environment's stack; `--endpoint HOST:PORT` scans only the
ones named. Exits 1 when an issue reaches --fail-on (default high).
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
    parser.add_argument("--check-all", action="store_true", help="every endpoint of the stack")
    parser.add_argument("--environment", "-e", default=os.environ.get("ENVIRONMENT"))
    parser.add_argument("--endpoint", action="append", default=[], metavar="HOST:PORT")
    parser.add_argument("--servername", metavar="NAME")
    parser.add_argument("--ca-file", metavar="PEM")
    parser.add_argument("--profile", choices=["intermediate", "modern"])
    parser.add_argument("--fail-on", choices=["low", "medium", "high", "critical", "none"])
    parser.add_argument("--output", "-o", choices=["text", "json"], default="text")
    options = parser.parse_args()
    args = ["security", "tls", "--output", options.output]
    for endpoint in options.endpoint:
        args += ["--endpoint", endpoint]
    if options.check_all or not options.endpoint:
        args += ["-e", options.environment or "development"]
    if options.servername:
        args += ["--servername", options.servername]
    if options.ca_file:
        args += ["--ca-file", str(Path(options.ca_file).resolve())]
    profile = options.profile or ("modern" if options.environment == "production" else None)
    if profile:
        args += ["--profile", profile]
    if options.fail_on:
        args += ["--fail-on", options.fail_on]
    exec_unideploy(args)


if __name__ == "__main__":
    main()

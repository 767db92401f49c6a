#!/usr/bin/env python3
"""certificate-expiry-monitoring.py — the seed's expiry script, over `unideploy security certs`.

`--check-expiry` reports days left (warning 30, critical 7) for --endpoint/--file sources, or for
the environment's certificates when none is named. `--metrics` prints x509_cert_* Prometheus text.
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
    parser.add_argument("--check-expiry", action="store_true", help="report days left (default)")
    parser.add_argument("--environment", "-e", default=os.environ.get("ENVIRONMENT"))
    parser.add_argument("--endpoint", action="append", default=[], metavar="HOST:PORT")
    parser.add_argument("--file", action="append", default=[], metavar="PEM")
    parser.add_argument("--warn-days", type=int)
    parser.add_argument("--critical-days", type=int)
    parser.add_argument("--metrics", action="store_true", help="Prometheus text instead of a table")
    parser.add_argument("--output", "-o", choices=["text", "json"], default="text")
    options = parser.parse_args()
    output = "prometheus" if options.metrics else options.output
    args = ["security", "certs", "--output", output]
    for endpoint in options.endpoint:
        args += ["--endpoint", endpoint]
    for path in options.file:
        args += ["--file", str(Path(path).resolve())]
    if not options.endpoint and not options.file:
        args += ["-e", options.environment or "development"]
    if options.warn_days is not None:
        args += ["--warn-days", str(options.warn_days)]
    if options.critical_days is not None:
        args += ["--critical-days", str(options.critical_days)]
    exec_unideploy(args)


if __name__ == "__main__":
    main()

"""Readiness probe run inside the sandbox network namespace, where the host cannot connect.

`python -m unideploy.sandbox.probe --ready-dir DIR --timeout S NAME=URL...` polls each plain-HTTP
URL (on 127.0.0.1 of the namespace) and writes DIR/NAME once it answers 200; it exits 0 when all
have, 1 at the timeout. `sandbox.flux` starts it and waits on the files, as `core` waits on the
other components' markers.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import time
import urllib.parse
from pathlib import Path

INTERVAL = 0.25


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a GET of `url` (http://127.0.0.1:PORT/PATH) answers 200."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
        raise ValueError(f"not a loopback http URL with a port: {url}")
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def parse_target(text: str) -> tuple[str, str]:
    """Split NAME=URL."""
    name, sep, url = text.partition("=")
    if not sep or not name or "/" in name:
        raise argparse.ArgumentTypeError(f"expected NAME=URL, got {text!r}")
    return name, url


def main(argv: list[str] | None = None) -> int:
    """Poll until every target answers (exit 0) or the timeout passes (exit 1)."""
    parser = argparse.ArgumentParser(prog="unideploy-sandbox-probe")
    parser.add_argument("--ready-dir", type=Path, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("targets", nargs="+", type=parse_target, metavar="NAME=URL")
    args = parser.parse_args(argv)
    args.ready_dir.mkdir(parents=True, exist_ok=True)
    pending: dict[str, str] = dict(args.targets)
    deadline = time.monotonic() + args.timeout
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            if answers(url):
                (args.ready_dir / name).write_text(f"{url}\n", encoding="utf-8")
                print(f"{name}: {url} answers", flush=True)
                del pending[name]
        if pending:
            time.sleep(INTERVAL)
    for name, url in pending.items():
        print(f"{name}: {url} did not answer within {args.timeout} s", flush=True)
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())

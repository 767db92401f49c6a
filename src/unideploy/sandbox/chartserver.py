"""chart-repository: the sandbox's Helm chart repository over HTTP, for Flux's source-controller.

`python -m unideploy.sandbox.chartserver --root DIR --port N --ready FILE`, started by
`sandbox.flux` inside the sandbox network namespace (`sandbox up --gitops flux`), serves DIR at
http://127.0.0.1:N/ as static files with the standard library's HTTP server. A Helm chart
repository is exactly that: index.yaml beside the chart archives. `gitops render --chart-repo
sandbox` writes both into DIR by its path on disk (the state directory is shared with the host),
so every request sees the latest publication.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_log = logging.getLogger("chart-repository")


class ChartRequests(SimpleHTTPRequestHandler):
    """Static files of the repository directory; one log line per request, no directory pages."""

    def list_directory(self, path: Any) -> None:
        """A chart repository has no directory pages: 404, as Helm's own servers answer."""
        self.send_error(404, "no listing; fetch index.yaml")

    def log_message(self, format: str, *args: Any) -> None:
        """One line per request in the component's log."""
        _log.info("%s %s", self.address_string(), format % args)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped; write `--ready` once listening."""
    parser = argparse.ArgumentParser(prog="unideploy-sandbox-chart-repository")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ready", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    root = args.root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(ChartRequests, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    print(f"serving {root} at http://127.0.0.1:{args.port}/", flush=True)
    args.ready.write_text("listening\n", encoding="utf-8")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

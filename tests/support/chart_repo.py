"""A Helm chart repository served over HTTP on 127.0.0.1, recording every path requested."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import helm_python as hp


class _Server(http.server.ThreadingHTTPServer):
    """A client hanging up (Helm at the end of a test) is not an error worth printing."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ChartRepo:
    """The served directory, its URL and the paths clients asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        repo = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                repo.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(root))
        self.server = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, *chart_dirs: Path) -> None:
        """Package the charts into the served directory and regenerate index.yaml."""
        for chart in chart_dirs:
            hp.package(chart, destination=self.root)
        hp.repo_index_generate(self.root, base_url=self.url)


@contextmanager
def serving(root: Path) -> Iterator[ChartRepo]:
    """Serve `root` (created if needed) until the block ends."""
    root.mkdir(parents=True, exist_ok=True)
    repo = ChartRepo(root)
    thread = threading.Thread(target=repo.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield repo
    finally:
        repo.server.shutdown()
        repo.server.server_close()
        thread.join()

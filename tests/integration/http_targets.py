"""Real HTTP servers on 127.0.0.1 for the integration-test runners: ok, failing, slow, flaky, TLS.

`http_target()` serves, in a thread, until the context exits; its `Target` counts the requests
each path received and holds the knobs (failures before success, fixed delay).
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Target:
    """The running server: its base URL, counters and behaviour knobs."""

    base: str = ""
    hits: Counter[str] = field(default_factory=Counter)
    flaky_failures: int = 2
    delay_s: float = 0.02
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return self.base + path


def _handler(target: Target) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(self, status: int, body: str, content_type: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-App", "demo-app/1.2")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with target.lock:
                target.hits[parts.path] += 1
                count = target.hits[parts.path]
            query = parse_qs(parts.query)
            if parts.path == "/ok":
                document = {"status": "ok", "version": 3, "items": [{"name": "alpha"}]}
                self._send(200, json.dumps(document), "application/json")
            elif parts.path == "/fail":
                self._send(500, "database unavailable")
            elif parts.path == "/slow":
                time.sleep(float(query.get("s", ["2"])[0]))
                self._send(200, "finally")
            elif parts.path == "/flaky":
                if count <= target.flaky_failures:
                    self._send(503, f"warming up ({count})")
                else:
                    self._send(200, "ready")
            elif parts.path == "/delay":
                time.sleep(target.delay_s)
                self._send(200, "ok")
            elif parts.path == "/auth":
                wanted = "Basic " + base64.b64encode(b"ops:s3cret").decode()
                if self.headers.get("Authorization") == wanted:
                    self._send(200, "welcome")
                else:
                    self._send(401, "who are you?")
            elif parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, "no such page")

    return Handler


@contextmanager
def http_target(context: ssl.SSLContext | None = None) -> Iterator[Target]:
    """Serve on 127.0.0.1 (HTTPS with `context`) until the block ends."""
    target = Target()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(target))
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https" if context is not None else "http"
    target.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()

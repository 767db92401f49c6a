"""A small HTTPS client for the sandbox apiserver, authenticated with the admin client certificate.

Only what `up` and `status` need: health endpoints and a few JSON GET/POST calls. Engines that
deploy workloads use their own clients; this one exists so starting the sandbox needs no kubectl.
"""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Response:
    """Status code and decoded body (a dict for JSON, else {"text": ...})."""

    status: int
    body: dict[str, Any]


class ApiClient:
    """Talk to https://127.0.0.1:<port> trusting only the sandbox CA."""

    def __init__(self, port: int, ca_cert: Path, client_cert: Path, client_key: Path) -> None:
        """Prepare a TLS context; nothing is connected until a request is made."""
        self.port = port
        self._context = ssl.create_default_context(cafile=str(ca_cert))
        self._context.load_cert_chain(str(client_cert), str(client_key))

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        timeout: float = 5.0,
        content_type: str = "application/json",
    ) -> Response:
        """Send one request; connection errors propagate as OSError."""
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self._context, timeout=timeout
        )
        try:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Accept": "application/json"}
            if payload is not None:
                headers["Content-Type"] = content_type
            conn.request(method, path, body=payload, headers=headers)
            raw = conn.getresponse()
            data = raw.read().decode("utf-8", errors="replace")
            try:
                decoded = json.loads(data) if data else {}
            except json.JSONDecodeError:
                decoded = {"text": data}
            if not isinstance(decoded, dict):
                decoded = {"value": decoded}
            return Response(raw.status, decoded)
        finally:
            conn.close()

    def get(self, path: str, timeout: float = 5.0) -> Response:
        """GET `path`."""
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, body: dict[str, Any], timeout: float = 5.0) -> Response:
        """POST a JSON `body` to `path`."""
        return self.request("POST", path, body=body, timeout=timeout)

    def merge_patch(self, path: str, body: dict[str, Any], timeout: float = 5.0) -> Response:
        """PATCH `path` with a JSON merge patch."""
        return self.request(
            "PATCH", path, body=body, timeout=timeout, content_type="application/merge-patch+json"
        )

    def items(self, path: str) -> list[dict[str, Any]]:
        """GET a list; return its items ([] when the API answers anything but 200)."""
        answer = self.get(path)
        items = answer.body.get("items") if answer.status == 200 else None
        return [item for item in items or [] if isinstance(item, dict)]

    def ready(self) -> bool:
        """Whether /readyz answers 200 (False on any connection error)."""
        try:
            return self.get("/readyz", timeout=2.0).status == 200
        except OSError:
            return False


def http_health(port: int, path: str = "/health", timeout: float = 2.0) -> bool:
    """Whether a plain-HTTP GET of 127.0.0.1:`port``path` answers 200 (etcd's health check)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()

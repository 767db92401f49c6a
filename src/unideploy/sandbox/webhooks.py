"""The apiserver's only way out: an HTTP CONNECT endpoint that answers webhook calls locally.

kube-apiserver's EgressSelectorConfiguration (components.egress_selector_config) sends every dial
to the cluster network — admission webhooks, aggregated APIs, kubelets — as `CONNECT ip:port` to
an abstract Unix socket in the sandbox network namespace, served here. Nothing is ever relayed:

- `simulate` (default): for a Service ClusterIP, answer "200", then speak TLS ourselves with a
  certificate for the name the apiserver expects (`svc.ns.svc`, read from SNI) issued by the
  sandbox CA, and answer every AdmissionReview with `allowed: true` and no patch: validating
  webhooks admit, mutating webhooks return the object unchanged. The apiserver trusts the sandbox
  CA for webhooks without a caBundle (SSL_CERT_FILE); see docs/sandbox.md for the limits.
- `fail`: refuse with 502 at once, so the call fails in milliseconds, as in a cluster whose
  webhook servers are down.
- anything else (pod or node addresses, names): refused, in both modes.

Each call is logged (stdout, i.e. logs/sandbox-controllers.log, and webhook_log).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from unideploy.sandbox import pki, webhook_log
from unideploy.sandbox.api import ApiClient
from unideploy.sandbox.components import EGRESS_SOCKET, SERVICE_CIDR, Layout

_SERVICES = ipaddress.ip_network(SERVICE_CIDR)
_ADMISSION = "/apis/admissionregistration.k8s.io/v1"
_HEAD_LIMIT = 16384


def webhooks_for(api: ApiClient, namespace: str, name: str, path: str | None) -> list[str]:
    """Name the webhooks configured to call Service namespace/name (at `path`, when given)."""
    found: list[str] = []
    for kind in ("validating", "mutating"):
        for config in api.items(f"{_ADMISSION}/{kind}webhookconfigurations"):
            for hook in config.get("webhooks") or []:
                service = (hook.get("clientConfig") or {}).get("service") or {}
                if (service.get("namespace"), service.get("name")) != (namespace, name):
                    continue
                if path is not None and (service.get("path") or "/") != path:
                    continue
                found.append(f"{kind} {hook.get('name')}")
    return found


def service_at(api: ApiClient, address: str) -> tuple[str, str] | None:
    """Return (namespace, name) of the Service holding ClusterIP `address`, if any."""
    for svc in api.items("/api/v1/services"):
        if (svc.get("spec") or {}).get("clusterIP") == address:
            meta = svc.get("metadata") or {}
            return str(meta.get("namespace")), str(meta.get("name"))
    return None


def admit(review: dict[str, Any]) -> dict[str, Any]:
    """Answer an AdmissionReview: allowed, no patch (the object goes on unchanged)."""
    request = review.get("request") or {}
    return {
        "apiVersion": review.get("apiVersion") or "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": {"uid": request.get("uid", ""), "allowed": True},
    }


class _Certificates:
    """One serving certificate per SNI name, issued by the sandbox CA on first use."""

    def __init__(self, layout: Layout) -> None:
        self._dir = layout.root / "webhook-certs"
        self._dir.mkdir(mode=0o700, exist_ok=True)
        self._ca = pki.load_ca(layout.pki)
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.default = self.context("sandbox-webhook.invalid")
        self.default.sni_callback = self._pick

    def context(self, name: str) -> ssl.SSLContext:
        with self._lock:
            if name not in self._contexts:
                cert, key = self._dir / f"{name}.crt", self._dir / f"{name}.key"
                pki.write_serving_pair(*self._ca, name, cert, key)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(str(cert), str(key))
                self._contexts[name] = ctx
            return self._contexts[name]

    def _pick(self, sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: Any) -> None:
        if name and all(c.isalnum() or c in "-." for c in name):
            sock.context = self.context(name)

    def name_of(self, ctx: ssl.SSLContext) -> str:
        """Return the SNI name a context was made for ('' for the default)."""
        with self._lock:
            return next((name for name, known in self._contexts.items() if known is ctx), "")


class EgressStandIn:
    """Serve the egress socket until the process ends."""

    def __init__(self, layout: Layout, mode: str, api: ApiClient) -> None:
        """Prepare certificates; nothing listens until `listen`."""
        self.layout, self.mode, self.api = layout, mode, api
        self.certs = _Certificates(layout)
        self._listener: socket.socket | None = None

    def listen(self) -> None:
        """Bind the abstract socket the apiserver's egress selector dials."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind("\0" + EGRESS_SOCKET.lstrip("@"))
        sock.listen(64)
        self._listener = sock

    def serve(self) -> None:
        """Accept CONNECT requests, one thread each."""
        assert self._listener is not None, "listen() first"
        while True:
            conn, _ = self._listener.accept()
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with contextlib.closing(conn):
            head = b""
            while b"\r\n\r\n" not in head and len(head) < _HEAD_LIMIT:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
            target = line[1] if len(line) == 3 and line[0] == "CONNECT" else ""
            host = target.rpartition(":")[0]
            try:
                address = ipaddress.ip_address(host.strip("[]"))
            except ValueError:
                address = None
            if address is None or address not in _SERVICES:
                self._refuse(conn, target, "is not a Service address of the sandbox")
            elif self.mode == webhook_log.WEBHOOKS_FAIL:
                self._refuse(conn, target, "has no server: the sandbox runs with --webhooks=fail")
            else:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._simulate(conn, target)

    def _refuse(self, conn: socket.socket, target: str, why: str) -> None:
        host = target.rpartition(":")[0]
        owner = None
        with contextlib.suppress(OSError):
            owner = service_at(self.api, host)
        hooks: list[str] = []
        if owner is not None:
            with contextlib.suppress(OSError):
                hooks = webhooks_for(self.api, owner[0], owner[1], None)
        service = f"{owner[1]}.{owner[0]}.svc" if owner else None
        text = f"unideploy sandbox: {target} {why}"
        webhook_log.append(
            self.layout.webhook_calls,
            {"outcome": "refused", "target": target, "service": service, "webhooks": hooks},
        )
        print(f"refused CONNECT {target} ({service or 'no Service'}; {', '.join(hooks)}): {why}")
        body = text.encode()
        # The reason phrase reaches the apiserver's error ("code 502: 502 <reason>").
        reason = f"unideploy sandbox: {why}".encode("ascii", "replace")
        conn.sendall(
            b"HTTP/1.1 502 "
            + reason
            + b"\r\nContent-Type: text/plain\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    def _simulate(self, conn: socket.socket, target: str) -> None:
        try:
            tls = self.certs.default.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            print(f"TLS with the apiserver failed for {target}: {exc}", flush=True)
            return
        with contextlib.closing(tls):
            sni = self.certs.name_of(tls.context)
            _StandInHandler(tls, (target, 0), _Context(self, target, tls.context, sni))  # type: ignore[arg-type]


class _Context:
    """What one TLS connection's handler needs to know."""

    def __init__(self, owner: EgressStandIn, target: str, ctx: ssl.SSLContext, sni: str) -> None:
        self.owner, self.target, self.ctx, self.sni = owner, target, ctx, sni


class _StandInHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive: every POSTed AdmissionReview is admitted unchanged."""

    protocol_version = "HTTP/1.1"
    server: _Context  # type: ignore[assignment]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            review = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            review = {}
        request = review.get("request") or {}
        payload = json.dumps(admit(review)).encode()
        # Logged before the answer: once the apiserver has admitted the object, the call is in
        # webhook_log for anyone who reads it next (a deploy's sandbox notes, a test).
        self._record(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _record(self, request: dict[str, Any]) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        name_parts = self._service_name()
        hooks: list[str] = []
        if name_parts is not None:
            with contextlib.suppress(OSError):
                hooks = webhooks_for(owner.api, name_parts[1], name_parts[0], path)
        kind = (request.get("kind") or {}).get("kind")
        obj = f"{request.get('namespace') or ''}/{request.get('name') or ''}".lstrip("/")
        entry = {
            "outcome": "answered",
            "target": self.server.target,
            "service": ".".join(name_parts) + ".svc" if name_parts else None,
            "path": path,
            "webhooks": hooks,
            "operation": request.get("operation"),
            "kind": kind,
            "object": obj,
        }
        webhook_log.append(owner.layout.webhook_calls, entry)
        print(
            f"simulated {', '.join(hooks) or 'webhook'} at {entry['service']}{path}: "
            f"{request.get('operation')} {kind} {obj} -> allowed, unchanged",
            flush=True,
        )

    def _service_name(self) -> tuple[str, str] | None:
        parts = self.server.sni.split(".")
        return (parts[0], parts[1]) if len(parts) >= 3 and parts[2] == "svc" else None

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line (each call is logged by _record)."""


def run(layout: Layout, mode: str, api: ApiClient, ready: Path) -> EgressStandIn:
    """Start the stand-in on a daemon thread; write `ready` once it listens."""
    stand_in = EgressStandIn(layout, mode, api)
    stand_in.listen()
    threading.Thread(target=stand_in.serve, daemon=True, name="egress").start()
    ready.write_text("listening\n", encoding="ascii")
    return stand_in

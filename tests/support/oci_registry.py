"""A small OCI registry on 127.0.0.1: just enough of the distribution API (blob upload, manifests,
tags) for `helm push` and `helm pull`, over plain HTTP or, wrapped by the caller, TLS."""

from __future__ import annotations

import hashlib
import http.server
import re
import sys
import uuid
from typing import Any


class Server(http.server.ThreadingHTTPServer):
    """A client hanging up (Helm at the end of a test) is not an error worth printing."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Store:
    """Blobs, manifests by (name, tag or digest), uploads in progress, and every request seen."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.uploads: dict[str, bytes] = {}
        self.requests: list[str] = []


def handler_for(store: Store) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            # A request that could not be parsed (a TLS hello on plain HTTP) has no path.
            store.requests.append(f"{getattr(self, 'command', '?')} {getattr(self, 'path', '?')}")

        def send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def body(self) -> bytes:
            size = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(size) if size else b""

        def route(self) -> None:
            path, _, query = self.path.partition("?")
            if path in ("/v2", "/v2/"):
                return self.send(200, b"{}")
            if m := re.fullmatch(r"/v2/(.+)/blobs/uploads/(.*)", path):
                name, upload = m.groups()
                if self.command == "POST":
                    upload = uuid.uuid4().hex
                    store.uploads[upload] = b""
                    return self.send(
                        202, headers={"Location": f"/v2/{name}/blobs/uploads/{upload}"}
                    )
                if self.command == "PATCH":
                    store.uploads[upload] += self.body()
                    return self.send(
                        202, headers={"Location": f"/v2/{name}/blobs/uploads/{upload}"}
                    )
                data = store.uploads.pop(upload, b"") + self.body()
                digest = query.split("digest=", 1)[1].split("&")[0].replace("%3A", ":")
                assert digest == "sha256:" + hashlib.sha256(data).hexdigest()
                store.blobs[digest] = data
                return self.send(201, headers={"Docker-Content-Digest": digest})
            if m := re.fullmatch(r"/v2/(.+)/blobs/(sha256:[0-9a-f]+)", path):
                blob = store.blobs.get(m.group(2))
                if blob is None:
                    return self.send(404, b"{}")
                return self.send(200, blob, {"Docker-Content-Digest": m.group(2)})
            if m := re.fullmatch(r"/v2/(.+)/manifests/(.+)", path):
                name, ref = m.groups()
                if self.command == "PUT":
                    data = self.body()
                    digest = "sha256:" + hashlib.sha256(data).hexdigest()
                    media = self.headers.get("Content-Type") or ""
                    store.manifests[(name, ref)] = store.manifests[(name, digest)] = (media, data)
                    return self.send(201, headers={"Docker-Content-Digest": digest})
                found = store.manifests.get((name, ref))
                if found is None:
                    return self.send(404, b"{}")
                digest = "sha256:" + hashlib.sha256(found[1]).hexdigest()
                return self.send(
                    200, found[1], {"Content-Type": found[0], "Docker-Content-Digest": digest}
                )
            return self.send(404, b"{}")

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = route

    return Handler

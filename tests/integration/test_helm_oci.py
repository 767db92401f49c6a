"""Charts from an OCI registry: pushed by Helm to a small local registry, pulled by the engine.

The registry below speaks just enough of the OCI distribution API (blob upload, manifests, tags)
for `helm push` and `helm pull`; it listens on 127.0.0.1 over plain HTTP.
"""

from __future__ import annotations

import hashlib
import http.server
import re
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.errors import EngineError

ROOT = Path(__file__).resolve().parents[2]


class Server(http.server.ThreadingHTTPServer):
    """A client hanging up (Helm at the end of a test) is not an error worth printing."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Store:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.uploads: dict[str, bytes] = {}
        self.requests: list[str] = []


def handler_for(store: Store) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            store.requests.append(f"{self.command} {self.path}")

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


@pytest.fixture
def registry() -> Iterator[tuple[str, Store]]:
    store = Store()
    server = Server(("127.0.0.1", 0), handler_for(store))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", store
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_oci_chart_is_pulled_by_version_and_cached_by_digest(
    registry: tuple[str, Store], tmp_path: Path
) -> None:
    host, store = registry
    archive = hp.package(ROOT / "helm/charts/cert-issuers", destination=tmp_path)
    hp.push(archive, f"oci://{host}/charts", plain_http=True)
    cache = ChartCache(tmp_path / "cache")
    spec = ReleaseSpec(
        "cert-issuers",
        "cert-manager",
        f"oci://{host}/charts/cert-issuers",
        version="0.1.0",
        plain_http=True,
    )

    rendered = SdkHelm(cache=cache).render(spec)
    pulls = [r for r in store.requests if r.startswith("GET /v2/charts/cert-issuers/blobs/")]
    again = cache.resolve(spec)

    assert rendered.kinds() == ["ServiceAccount/cert-issuers", "ConfigMap/cert-issuer"]
    assert rendered.chart_digest == hp.digest(archive)
    assert cache.blob(rendered.chart_digest).is_file()
    assert again.cached and again.digest == rendered.chart_digest
    assert pulls and len(
        [r for r in store.requests if r.startswith("GET /v2/charts/cert-issuers/blobs/")]
    ) == len(pulls), "the second resolve must not download again"


def test_missing_oci_tag_is_an_engine_error_naming_the_release(
    registry: tuple[str, Store], tmp_path: Path
) -> None:
    host, _store = registry
    spec = ReleaseSpec(
        "ghost", "apps", f"oci://{host}/charts/ghost", version="1.2.3", plain_http=True
    )
    with pytest.raises(EngineError, match=r'helm pull of release "ghost"') as caught:
        SdkHelm(cache=ChartCache(tmp_path / "cache")).render(spec)
    assert caught.value.hint and "pinned version" in caught.value.hint

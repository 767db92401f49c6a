"""Unit tests: the engines' own API connection, read from a kubeconfig, against a local server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from unideploy.engines.kube.client import api_client
from unideploy.engines.kube.connection import KubeConnection, Unsupported, load_connection
from unideploy.engines.kube.rest import call
from unideploy.errors import EngineError

SEEN: list[dict[str, Any]] = []


class Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        SEEN.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
        payload = json.dumps({"path": self.path, "body": body, "message": "seen"}).encode()
        busy = "busy" in self.path
        self.send_response(429 if busy else 404 if "missing" in self.path else 200)
        if busy:  # what the API server says while a new CRD's storage starts
            self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    SEEN.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def kubeconfig(path: Path, server: str, user: dict[str, Any]) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "ctx",
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_requests_carry_query_body_and_the_token_read_fresh_each_time(
    server: str, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("first\n")
    api = api_client(kubeconfig(tmp_path / "config", server, {"tokenFile": "token"}))
    assert isinstance(api, KubeConnection)
    status, document, _ = call(
        api, "PATCH", "/api/v1/things", query=[("fieldManager", "x y")], body={"a": 1},
        content_type="application/apply-patch+yaml",
    )  # fmt: skip
    assert status == 200
    assert document["path"] == "/api/v1/things?fieldManager=x+y"
    assert json.loads(document["body"]) == {"a": 1}
    assert SEEN[-1]["headers"]["Authorization"] == "Bearer first"
    assert SEEN[-1]["headers"]["Content-Type"] == "application/apply-patch+yaml"
    token.write_text("rotated\n")  # a projected token is replaced in place
    status, _, message = call(api, "GET", "/api/v1/missing")
    assert (status, message) == (404, "seen")
    assert SEEN[-1]["headers"]["Authorization"] == "Bearer rotated"


def test_a_busy_server_is_asked_again_then_its_answer_comes_back(
    server: str, tmp_path: Path
) -> None:
    api = api_client(kubeconfig(tmp_path / "config", server, {"token": "t"}))
    status, _, message = call(api, "GET", "/apis/example.com/v1/busy")
    # Three more tries, each after the Retry-After the server gave; then its answer, no error.
    assert (status, message) == (429, "seen")
    assert len(SEEN) == 4
    SEEN.clear()
    status, _, _ = call(api, "GET", "/api/v1/missing")
    assert status == 404 and len(SEEN) == 1  # other answers are the caller's to judge


def test_basic_auth_and_an_explicit_context(server: str, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "config", server, {"username": "ann", "password": "pw"})
    api = load_connection(path, "ctx")
    call(api, "GET", "/version")
    assert SEEN[-1]["headers"]["Authorization"] == "Basic YW5uOnB3"
    with pytest.raises(KeyError, match="context 'other' not found"):
        load_connection(path, "other")


def test_credential_plugins_are_left_to_the_kubernetes_client(tmp_path: Path) -> None:
    exec_user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "x"}}
    path = kubeconfig(tmp_path / "config", "https://127.0.0.1:1", exec_user)
    with pytest.raises(Unsupported, match="exec"):
        load_connection(path, None)
    fallback = api_client(path)
    assert not isinstance(fallback, KubeConnection)
    assert type(fallback).__name__ == "ApiClient"


def test_a_broken_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("- just\n- a list\n")
    with pytest.raises(EngineError, match=r"cannot load kubeconfig .*not a kubeconfig"):
        api_client(tmp_path / "config")
    with pytest.raises(EngineError, match=r"cannot load kubeconfig .*nope"):
        api_client(tmp_path / "nope")


def test_no_answer_is_a_retryable_error(tmp_path: Path) -> None:
    api = api_client(kubeconfig(tmp_path / "config", "http://127.0.0.1:9", {"token": "t"}))
    with pytest.raises(EngineError) as info:
        call(api, "GET", "/version", timeout=2)
    assert info.value.retryable

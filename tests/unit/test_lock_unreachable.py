"""A Lease lock whose apiserver is down fails fast with an EngineError that says so."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from unideploy.errors import EngineError
from unideploy.execute.lease import LeaseLock, api_client


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_dead_apiserver_is_a_retryable_engine_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{_closed_port()}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    began = time.monotonic()
    with pytest.raises(EngineError) as info:
        LeaseLock(api_client(kubeconfig), "dev", identity="a@h (run 1)").acquire()
    assert time.monotonic() - began < 10
    assert info.value.message.startswith(
        "cannot read lease unideploy-system/unideploy-dev: cannot reach the apiserver: "
    )
    assert "Connection refused" in info.value.message
    assert info.value.retryable


def test_missing_kubeconfig_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r"cannot load kubeconfig .*nope"):
        api_client(tmp_path / "nope")

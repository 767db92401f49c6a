"""Unit tests: where the state dir is by default, free ports, and the status summary."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest

from unideploy.sandbox import ComponentStatus, SandboxStatus, default_state_dir, nodes, ports


def test_state_dir_sits_beside_the_nearest_stack_yaml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("UNIDEPLOY_SANDBOX_DIR", raising=False)
    (tmp_path / "stack.yaml").write_text("name: x\n")
    deep = tmp_path / "helm" / "charts"
    deep.mkdir(parents=True)
    assert default_state_dir(deep) == tmp_path.resolve() / ".unideploy" / "sandbox"


def test_state_dir_falls_back_to_the_cwd_and_honours_the_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("UNIDEPLOY_SANDBOX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_state_dir() == tmp_path.resolve() / ".unideploy" / "sandbox"
    monkeypatch.setenv("UNIDEPLOY_SANDBOX_DIR", str(tmp_path / "elsewhere"))
    assert default_state_dir() == (tmp_path / "elsewhere").resolve()


def test_free_ports_are_distinct_and_bindable() -> None:
    chosen = ports.free_ports(5)
    assert len(set(chosen)) == 5
    for port in chosen:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_listening_and_wait_closed_follow_a_real_listener() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = int(server.getsockname()[1])
    assert ports.listening(port)
    assert ports.wait_closed([port], timeout=0.3) == [port]
    server.close()
    assert ports.wait_closed([port], timeout=2.0) == []
    assert not ports.listening(port)


def _comp(name: str, running: bool) -> ComponentStatus:
    return ComponentStatus(name=name, pid=1, running=running, port=None, log=f"/l/{name}.log")


def test_status_summary_tells_running_degraded_and_stopped() -> None:
    base = {"state_dir": "/s", "kubeconfig": "/s/kubeconfig"}
    assert SandboxStatus(**base).summary == "stopped"
    degraded = SandboxStatus(**base, components=(_comp("etcd", True), _comp("kwok", False)))
    assert degraded.summary == "degraded (not running: kwok)"
    running = SandboxStatus(
        **base,
        running=True,
        api_ready=True,
        server="https://127.0.0.1:9",
        kubernetes_version="v1",
        components=(_comp("etcd", True),),
    )
    assert running.summary.startswith("running")
    data = running.to_dict()
    assert data["state"] == "running" and data["context"] == "unideploy-sandbox"
    assert data["components"][0]["log"] == "/l/etcd.log"


def test_a_node_counts_only_when_its_lease_was_renewed_since_up_began() -> None:
    since = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert nodes.renewed_since({"spec": {"renewTime": "2026-01-01T12:00:05.123456Z"}}, since)
    assert not nodes.renewed_since({"spec": {"renewTime": "2026-01-01T11:59:59.000000Z"}}, since)
    assert not nodes.renewed_since({"spec": {}}, since)
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    assert nodes.node_ready(ready) and not nodes.node_ready({"status": {}})
    node = nodes.fake_node("sandbox-node-1")
    assert node["metadata"]["annotations"] == {"kwok.x-k8s.io/node": "fake"}
    assert nodes.names(2) == ["sandbox-node-0", "sandbox-node-1"]

"""`sandbox up/status/down` on a sandbox of its own: loopback only, nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML
from tests.integration.sandbox_cluster import require_tools

from unideploy.cli.sandbox import sandbox_group
from unideploy.exitcodes import ExitCode
from unideploy.sandbox import Sandbox, state
from unideploy.sandbox import ports as ports_module
from unideploy.sandbox.ports import listening

UP_BUDGET_SECONDS = 30


@pytest.mark.cluster
def test_up_status_down_leaves_no_process_and_no_port(tmp_path: Path) -> None:
    require_tools()
    box = Sandbox(tmp_path / "box")
    started = time.monotonic()
    status = box.up()
    cold = time.monotonic() - started
    try:
        assert status.running and status.api_ready
        assert [c.name for c in status.components] == [
            "bridge",
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kwok",
            "sandbox-controllers",
        ]
        assert status.server.startswith("https://127.0.0.1:")
        kubeconfig = YAML(typ="safe").load(Path(status.kubeconfig).read_text())
        assert kubeconfig["current-context"] == "unideploy-sandbox"
        assert Path(status.kubeconfig).stat().st_mode & 0o077 == 0
        for comp in status.components:
            assert Path(comp.log).is_file()
        assert box.up().started_at == status.started_at  # a running sandbox is kept as is
        shown = CliRunner().invoke(
            sandbox_group, ["status", "--state-dir", str(box.layout.root), "-o", "json"]
        )
        assert shown.exit_code == ExitCode.OK
        data = json.loads(shown.stdout)
        assert data["state"] == "running" and data["nodes"] == ["sandbox-node-0"]
        assert all(c["running"] for c in data["components"])
        path = CliRunner().invoke(
            sandbox_group, ["kubeconfig", "--state-dir", str(box.layout.root)]
        )
        assert (path.exit_code, path.stdout.strip()) == (ExitCode.OK, status.kubeconfig)
    finally:
        record = state.load(box.layout.state_file)
        stopped = box.down()
    assert record is not None
    assert sorted(stopped) == sorted(p.name for p in record.processes)
    for proc in record.processes:
        assert not state.alive(proc), proc.name
    for port in record.ports.values():
        assert not listening(port), port
    assert not box.status().components

    started = time.monotonic()
    warm = box.up()
    warm_seconds = time.monotonic() - started
    try:
        assert warm.running
        assert warm.kubeconfig == status.kubeconfig  # the path stays stable across restarts
        assert warm.server == status.server  # so does the port, when it is free again
    finally:
        box.down(purge=True)
    assert not (tmp_path / "box").exists()
    print(f"sandbox up: cold {cold:.1f} s, warm {warm_seconds:.1f} s")
    assert cold < UP_BUDGET_SECONDS and warm_seconds < UP_BUDGET_SECONDS


@pytest.mark.cluster
def test_up_retries_with_new_ports_when_a_chosen_port_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tools()
    real_free_ports = ports_module.free_ports
    calls: list[list[int]] = []
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = int(squatter.getsockname()[1])

        def first_port_taken(count: int) -> list[int]:
            chosen = real_free_ports(count)
            if not calls:
                chosen[0] = taken  # the bridge's (the API's) port, bound by someone else meanwhile
            calls.append(chosen)
            return chosen

        monkeypatch.setattr(ports_module, "free_ports", first_port_taken)
        box = Sandbox(tmp_path / "box")
        try:
            status = box.up()
            assert status.running
            assert len(calls) == 2
            assert f"127.0.0.1:{taken}" not in status.server
            log = (tmp_path / "box" / "logs" / "bridge.log").read_text()
            assert "address already in use" in log
        finally:
            box.down(purge=True)


@pytest.mark.cluster
def test_status_reports_a_dead_component_and_up_repairs_it(tmp_path: Path) -> None:
    require_tools()
    box = Sandbox(tmp_path / "box")
    box.up()
    try:
        kwok = next(p for p in box.status().components if p.name == "kwok")
        os.kill(kwok.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while box.status().running and time.monotonic() < deadline:
            time.sleep(0.1)
        broken = box.status()
        assert broken.summary == "degraded (not running: kwok)"
        shown = CliRunner().invoke(sandbox_group, ["status", "--state-dir", str(box.layout.root)])
        assert shown.exit_code == ExitCode.FAILED
        assert "degraded" in shown.stdout

        repaired = box.up()
        assert repaired.running
        assert next(p for p in repaired.components if p.name == "kwok").pid != kwok.pid
    finally:
        box.down(purge=True)

"""Unit tests: component command lines bind to loopback and use the chosen ports and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from unideploy.sandbox import components

PORTS = components.Ports(
    etcd_client=30001, etcd_peer=30002, apiserver=30003, controller_manager=30004, scheduler=30005
)
LAYOUT = components.Layout(Path("/state"))


def _flags(argv: list[str]) -> dict[str, str]:
    return dict(arg[2:].split("=", 1) for arg in argv[1:] if "=" in arg)


@pytest.mark.parametrize("name", sorted(components.BUILDERS))
def test_every_component_runs_its_own_binary(name: str) -> None:
    argv = components.BUILDERS[name](Path(f"/bin/{name}"), LAYOUT, PORTS)
    assert argv[0] == f"/bin/{name}"
    assert all(isinstance(arg, str) for arg in argv)


def test_every_listener_is_on_loopback_at_its_chosen_port() -> None:
    etcd = _flags(components.etcd(Path("etcd"), LAYOUT, PORTS))
    assert etcd["listen-client-urls"] == "http://127.0.0.1:30001"
    assert etcd["listen-peer-urls"] == "http://127.0.0.1:30002"
    api = _flags(components.apiserver(Path("a"), LAYOUT, PORTS))
    assert (api["bind-address"], api["secure-port"]) == ("127.0.0.1", "30003")
    cm = _flags(components.controller_manager(Path("c"), LAYOUT, PORTS))
    assert (cm["bind-address"], cm["secure-port"]) == ("127.0.0.1", "30004")
    sched = _flags(components.scheduler(Path("s"), LAYOUT, PORTS))
    assert (sched["bind-address"], sched["secure-port"]) == ("127.0.0.1", "30005")
    assert set(PORTS.as_dict().values()) == {30001, 30002, 30003, 30004, 30005}


def test_apiserver_authorizes_with_node_and_rbac_and_trusts_the_sandbox_ca() -> None:
    api = _flags(components.apiserver(Path("a"), LAYOUT, PORTS))
    assert api["authorization-mode"] == "Node,RBAC"
    assert api["etcd-servers"] == "http://127.0.0.1:30001"
    assert api["client-ca-file"] == "/state/pki/ca.crt"
    assert api["service-account-signing-key-file"] == "/state/pki/sa.key"


def test_controllers_use_their_own_identities_and_per_controller_service_accounts() -> None:
    cm = _flags(components.controller_manager(Path("c"), LAYOUT, PORTS))
    assert cm["kubeconfig"] == "/state/kubeconfigs/controller-manager.kubeconfig"
    assert cm["use-service-account-credentials"] == "true"
    sched = _flags(components.scheduler(Path("s"), LAYOUT, PORTS))
    assert sched["kubeconfig"] == "/state/kubeconfigs/scheduler.kubeconfig"


def test_the_controller_manager_is_not_throttled_below_what_one_sandbox_needs() -> None:
    """Its defaults (20 QPS, burst 30, 5 workers) made readiness of 50 Deployments wait on it."""
    cm = _flags(components.controller_manager(Path("c"), LAYOUT, PORTS))
    assert float(cm["kube-api-qps"]) >= 100 and int(cm["kube-api-burst"]) >= 200
    assert int(cm["concurrent-deployment-syncs"]) > 5
    assert int(cm["concurrent-replicaset-syncs"]) > 5


def test_state_lives_under_the_state_dir() -> None:
    for path in (LAYOUT.etcd_data, LAYOUT.kubeconfig, LAYOUT.state_file, LAYOUT.log("etcd")):
        assert path.is_relative_to(Path("/state"))
    assert LAYOUT.kubeconfig == Path("/state/kubeconfig")

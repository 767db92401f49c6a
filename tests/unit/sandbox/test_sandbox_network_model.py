"""Unit tests: the /proc readers behind the isolation proof, ServiceLB pools, local-path volumes,
the webhook stand-in's answer and the hint for a failed webhook call."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from unideploy.engines.helm.webhook_hint import webhook_hint
from unideploy.sandbox import localpath, netns, nodes, servicelb, state, webhook_log, webhooks
from unideploy.sandbox.notes import notes

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1
   1: 0100007F:C350 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 2
   2: 0100007F:C351 0500000A:01BB 02 00000000:00000000 00:00000000 00000000     0        0 3
"""
TCP6 = """\
  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A
   1: 0000000000000000FFFF00000100007F:C352 0000000000000000FFFF0000F001A8C0:0050 01
   2: 00000000000000000000000001000000:C353 00000000000000000000000001000000:1F90 01
"""
ROUTE = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""
DEV = """\
Inter-|   Receive
 face |bytes    packets
    lo:       0       0
  eth0:       0       0
"""


def test_sockets_off_loopback_are_found_in_ipv4_and_ipv6_tables() -> None:
    assert netns.sockets_outside_loopback(TCP) == ["127.0.0.1:50001 -> 10.0.0.5:443"]
    assert netns.sockets_outside_loopback(TCP6) == ["127.0.0.1:50002 -> 192.168.1.240:80"]


def test_report_of_a_namespace_with_an_interface_a_route_and_a_socket_lists_each(
    tmp_path: Path,
) -> None:
    net = tmp_path / "42" / "net"
    net.mkdir(parents=True)
    for name, text in (("tcp", TCP), ("tcp6", TCP6), ("route", ROUTE), ("dev", DEV)):
        (net / name).write_text(text)
    found = netns.report(42, proc=tmp_path)
    assert found.interfaces == ("lo", "eth0")
    assert found.routes == ("eth0 0.0.0.0/0.0.0.0", "eth0 10.0.0.0/255.255.255.0")
    assert found.problems == [
        "interface eth0",
        "route eth0 0.0.0.0/0.0.0.0",
        "route eth0 10.0.0.0/255.255.255.0",
        "socket 127.0.0.1:50001 -> 10.0.0.5:443",
        "socket 127.0.0.1:50002 -> 192.168.1.240:80",
    ]


def test_an_isolated_namespace_has_no_problem(tmp_path: Path) -> None:
    net = tmp_path / "7" / "net"
    net.mkdir(parents=True)
    (net / "dev").write_text(DEV.replace("  eth0:       0       0\n", ""))
    (net / "route").write_text(ROUTE.splitlines()[0] + "\n")
    (net / "tcp").write_text(TCP.replace(TCP.splitlines()[3] + "\n", ""))
    assert netns.report(7, proc=tmp_path).problems == []


def test_metallb_pool_addresses_expand_ranges_and_cidrs() -> None:
    assert servicelb.pool_addresses(["192.168.1.240-192.168.1.242"]) == [
        "192.168.1.240",
        "192.168.1.241",
        "192.168.1.242",
    ]
    assert servicelb.pool_addresses(["10.9.0.0/30", "10.9.1.7/32", "junk"]) == [
        "10.9.0.1",
        "10.9.0.2",
        "10.9.1.7",
    ]
    assert len(servicelb.pool_addresses(["10.0.0.0/8"])) == servicelb.MAX_POOL


def test_a_local_path_volume_is_pre_bound_to_its_claim_and_pinned_to_the_node() -> None:
    claim = {
        "metadata": {"name": "data-db-0", "namespace": "apps", "uid": "u-1"},
        "spec": {
            "storageClassName": "local-path",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "5Gi"}},
        },
    }
    volume = localpath.volume_for(claim, "sandbox-node-1")
    assert volume["metadata"]["name"] == "pvc-u-1"
    assert volume["spec"]["capacity"] == {"storage": "5Gi"}
    assert volume["spec"]["claimRef"]["uid"] == "u-1"
    terms = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["sandbox-node-1"]
    assert localpath.storage_class()["volumeBindingMode"] == "WaitForFirstConsumer"


def test_the_stand_in_admits_with_the_request_uid_and_no_patch() -> None:
    review = {"apiVersion": "admission.k8s.io/v1", "request": {"uid": "abc", "object": {}}}
    answer = webhooks.admit(review)
    assert answer == {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": {"uid": "abc", "allowed": True},
    }


def test_a_failed_webhook_call_gets_a_hint_naming_it() -> None:
    sandbox = (
        'Internal error occurred: failed calling webhook "v.example.com": failed to call '
        "webhook: proxy error ... code 502: 502 unideploy sandbox: has no server"
    )
    hint = webhook_hint(sandbox)
    assert hint is not None and '"v.example.com"' in hint and "--webhooks=fail" in hint
    cluster = webhook_hint('failed calling webhook "m.example.com": connection refused')
    assert cluster is not None and '"m.example.com"' in cluster and "sandbox" not in cluster
    assert webhook_hint("configmaps is forbidden") is None


def test_taints_and_labels_parse_and_spare_the_first_node() -> None:
    assert nodes.parse_taint("dedicated=infra:NoSchedule") == ("dedicated", "infra", "NoSchedule")
    assert nodes.parse_taint("gpu:NoExecute") == ("gpu", "", "NoExecute")
    with pytest.raises(ValueError, match="KEY"):
        nodes.parse_taint("gpu:Sometimes")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        nodes.parse_label("novalue")
    opts = nodes.NodeOptions(labels=(("rack", "r1"),), taints=(("gpu", "", "NoExecute"),))
    first, second = nodes.fake_node("n0", 0, opts), nodes.fake_node("n1", 1, opts)
    assert first["spec"] == {} and first["metadata"]["labels"]["rack"] == "r1"
    assert second["spec"]["taints"] == [{"key": "gpu", "effect": "NoExecute"}]
    assert (
        first["metadata"]["labels"]["topology.kubernetes.io/zone"]
        != (second["metadata"]["labels"]["topology.kubernetes.io/zone"])
    )


def test_deploy_notes_appear_only_for_a_running_sandbox_kubeconfig(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("{}")
    assert notes(kubeconfig) == []
    ticks = state.start_ticks(os.getpid())
    assert ticks is not None
    record = state.SandboxState(
        state_dir=str(tmp_path),
        kubeconfig=str(kubeconfig),
        processes=[state.ProcessRecord("bridge", os.getpid(), ticks, ("x",), "l")],
        webhooks="simulate",
    )
    state.save(tmp_path / "state.json", record)
    said = notes(kubeconfig)
    assert said[0].startswith("sandbox: admission webhooks are simulated")
    assert any("127.240.0.0/16" in line for line in said)
    assert notes(tmp_path / "other-kubeconfig") == []
    webhook_log.append(tmp_path / "webhook-calls.jsonl", {"outcome": "answered"})
    assert webhook_log.summarize(tmp_path / "webhook-calls.jsonl") == {"answered": 1}


class _Storage:
    """The three calls `provision` makes, over in-memory classes, claims and volumes."""

    def __init__(self, classes: list[dict[str, Any]], claims: list[dict[str, Any]]) -> None:
        self.lists = {
            localpath.CLASSES: classes,
            "/api/v1/persistentvolumeclaims": claims,
            "/api/v1/persistentvolumes": [],
        }
        self.posted: list[dict[str, Any]] = []

    def items(self, path: str) -> list[dict[str, Any]]:
        return self.lists[path]

    def post(self, path: str, body: dict[str, Any]) -> Any:
        self.posted.append(body)
        return type("Answer", (), {"status": 201})()

    def request(self, method: str, path: str) -> Any:
        raise AssertionError(f"unexpected {method} {path}")


def _claim(name: str, cls: str | None, node: str | None = None) -> dict[str, Any]:
    annotations = {localpath.SELECTED_NODE: node} if node else {}
    spec = {} if cls is None else {"storageClassName": cls}
    return {
        "metadata": {"name": name, "namespace": "apps", "uid": name, "annotations": annotations},
        "spec": spec,
        "status": {"phase": "Pending"},
    }


def test_claims_of_any_dynamic_class_bind_but_static_and_classless_ones_wait() -> None:
    classes = [
        localpath.storage_class(),
        {"metadata": {"name": "longhorn"}, "provisioner": "driver.longhorn.io"},
        {"metadata": {"name": "manual"}, "provisioner": localpath.STATIC},
    ]
    claims = [
        _claim("chart-class", "longhorn"),
        _claim("waits-for-pod", "local-path"),
        _claim("scheduled", "local-path", node="sandbox-node-2"),
        _claim("static", "manual"),
        _claim("no-class", ""),
    ]
    api = _Storage(classes, claims)
    done = localpath.provision(api, "sandbox-node-0")  # type: ignore[arg-type]
    made = {v["spec"]["claimRef"]["name"]: v for v in api.posted}
    assert sorted(made) == ["chart-class", "scheduled"], done
    node_of = {
        name: v["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0][
            "values"
        ]
        for name, v in made.items()
    }
    assert node_of == {"chart-class": ["sandbox-node-0"], "scheduled": ["sandbox-node-2"]}

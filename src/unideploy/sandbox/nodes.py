"""The sandbox's fake nodes: register them, hand their Leases to a fresh kwok, tell when Ready.

kwok manages a node only while it holds the node's Lease. A kwok from an earlier `up` leaves its
Lease behind for 40 s, so `up` deletes those Leases before starting kwok; a node counts as Ready
only once its Lease was renewed after this `up` began (a stale Ready condition in etcd does not).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from unideploy.errors import EngineError
from unideploy.sandbox.api import ApiClient
from unideploy.sandbox.kwokconfig import FAKE_NODE_ANNOTATION

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"


def names(count: int) -> list[str]:
    """Return the names of `count` fake nodes: sandbox-node-0, sandbox-node-1, ..."""
    return [f"sandbox-node-{index}" for index in range(count)]


ZONES = ("sandbox-a", "sandbox-b", "sandbox-c")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


@dataclass(frozen=True)
class NodeOptions:
    """Extra labels for every fake node, and taints for every node but the first.

    The first node stays untainted so ordinary workloads always have somewhere to run.
    """

    labels: tuple[tuple[str, str], ...] = ()
    taints: tuple[tuple[str, str, str], ...] = ()  # (key, value, effect)


def parse_label(text: str) -> tuple[str, str]:
    """Parse KEY=VALUE; raise ValueError with the expected form."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parse_taint(text: str) -> tuple[str, str, str]:
    """Parse KEY[=VALUE]:EFFECT; raise ValueError with the expected form."""
    head, sep, effect = text.rpartition(":")
    if not sep or effect not in TAINT_EFFECTS:
        raise ValueError(f"expected KEY[=VALUE]:{'|'.join(TAINT_EFFECTS)}, got {text!r}")
    key, _, value = head.partition("=")
    if not key:
        raise ValueError(f"a taint needs a key, got {text!r}")
    return key, value, effect


def fake_node(name: str, index: int = 0, options: NodeOptions | None = None) -> dict[str, Any]:
    """Return a Node object kwok will manage (annotated `kwok.x-k8s.io/node: fake`).

    Nodes are spread over three zones (topology.kubernetes.io/zone) so spread constraints and
    zone anti-affinity of real charts can be satisfied with `--nodes 3`.
    """
    opts = options or NodeOptions()
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/region": "sandbox",
        "topology.kubernetes.io/zone": ZONES[index % len(ZONES)],
        "type": "kwok",
        "unideploy.io/sandbox": "true",
        **dict(opts.labels),
    }
    spec: dict[str, Any] = {}
    if index > 0 and opts.taints:
        spec["taints"] = [
            {"key": key, "value": value, "effect": effect}
            if value
            else {"key": key, "effect": effect}
            for key, value, effect in opts.taints
        ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {FAKE_NODE_ANNOTATION: "fake"},
            "labels": labels,
        },
        "spec": spec,
    }


def register(api: ApiClient, node_names: list[str], options: NodeOptions | None = None) -> None:
    """Create each fake node unless it exists, and drop Leases a previous kwok left behind."""
    for index, name in enumerate(node_names):
        answer = api.post("/api/v1/nodes", fake_node(name, index, options))
        if answer.status not in (201, 409):
            raise EngineError(f"cannot create fake node {name}: {answer.body.get('message')}")
        gone = api.request("DELETE", f"{LEASES}/{name}")
        if gone.status not in (200, 404):
            raise EngineError(f"cannot release the lease of {name}: {gone.body.get('message')}")


def node_ready(node: dict[str, Any]) -> bool:
    """Whether a Node object has condition Ready=True."""
    conditions = node.get("status", {}).get("conditions", []) or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def renewed_since(lease: dict[str, Any], since: dt.datetime) -> bool:
    """Whether a Lease object was renewed at or after `since` (an aware datetime)."""
    renew = lease.get("spec", {}).get("renewTime")
    if not renew:
        return False
    return dt.datetime.fromisoformat(str(renew)) >= since


def all_ready(api: ApiClient, node_names: list[str], since: dt.datetime) -> bool:
    """Whether every node is Ready and held by the kwok started after `since`."""
    for name in node_names:
        if not node_ready(api.get(f"/api/v1/nodes/{name}").body):
            return False
        if not renewed_since(api.get(f"{LEASES}/{name}").body, since):
            return False
    return True

"""The readiness rules of k8s tests and the health check, on objects as the API serves them."""

from __future__ import annotations

from typing import Any

from unideploy.tests_runtime.health import area_of, load_balancer_items
from unideploy.tests_runtime.k8s import (
    assessed_items,
    endpoint_items,
    node_items,
    pod_items,
    summarize,
)


def cond(kind: str, status: str, **extra: str) -> dict[str, Any]:
    return {"type": kind, "status": status, **extra}


def test_nodes_and_pods() -> None:
    nodes = [
        {"metadata": {"name": "a"}, "status": {"conditions": [cond("Ready", "True")]}},
        {
            "metadata": {"name": "b"},
            "status": {"conditions": [cond("Ready", "False", message="kubelet stopped posting")]},
        },
    ]
    pods = [
        {
            "metadata": {"name": "run"},
            "status": {"phase": "Running", "conditions": [cond("Ready", "True")]},
        },
        {"metadata": {"name": "job"}, "status": {"phase": "Succeeded"}},
        {
            "metadata": {"name": "slow"},
            "status": {"phase": "Running", "conditions": [cond("Ready", "False")]},
        },
        {"metadata": {"name": "new"}, "status": {"phase": "Pending"}},
    ]

    assert node_items(nodes) == [
        ("node/a", True, "Ready"),
        ("node/b", False, "kubelet stopped posting"),
    ]
    assert [(o, ok) for o, ok, _ in pod_items(pods)] == [
        ("pod/run", True),
        ("pod/job", True),
        ("pod/slow", False),
        ("pod/new", False),
    ]
    assert pod_items(pods)[2][2] == "Running but not Ready"


def test_certificates_and_pvcs_use_the_deploy_rules() -> None:
    objects = [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": "web", "namespace": "apps"},
            "status": {"conditions": [cond("Ready", "True")]},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": "api", "namespace": "apps"},
            "status": {"conditions": [cond("Ready", "False", message="issuer not found")]},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "apps"},
            "status": {"phase": "Lost"},
        },
    ]

    assert assessed_items(objects) == [
        ("certificate/web", True, "certificate ready"),
        ("certificate/api", False, "issuer not found"),
        ("persistentvolumeclaim/data", False, "volume lost"),
    ]


def test_endpoints_count_only_ready_addresses_and_skip_selectorless_services() -> None:
    services = [
        {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}},
        {"metadata": {"name": "db"}, "spec": {"selector": {"app": "db"}}},
        {"metadata": {"name": "external"}, "spec": {}},
    ]
    slices = [
        {
            "metadata": {"labels": {"kubernetes.io/service-name": "web"}},
            "endpoints": [{"conditions": {"ready": True}}, {"conditions": {"ready": False}}],
        },
        {
            "metadata": {"labels": {"kubernetes.io/service-name": "db"}},
            "endpoints": [{"conditions": {"ready": False}}],
        },
    ]

    assert endpoint_items(services, slices) == [
        ("service/web", True, "1 ready endpoint(s)"),
        ("service/db", False, "0 ready endpoint(s)"),
    ]


def test_summary_names_what_is_not_ready_and_enforces_the_minimum() -> None:
    items = [("deployment/a", True, "ok"), ("deployment/b", False, "0/2 replicas ready")]

    failed = summarize("workloads-available", "apps", items, 1)
    few = summarize("workloads-available", "apps", items[:1], 2)
    good = summarize("workloads-available", "apps", items[:1], 1)

    assert not failed.passed
    assert failed.message == "1/2 not ready in apps: deployment/b: 0/2 replicas ready"
    assert not few.passed and few.message == "found 1 object(s) in apps, expected at least 2"
    assert good.passed and good.details["objects"][0]["object"] == "deployment/a"


def test_health_areas_and_load_balancer_addresses() -> None:
    services = [
        {
            "metadata": {"name": "ingress", "namespace": "edge"},
            "spec": {"type": "LoadBalancer"},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.200"}]}},
        },
        {"metadata": {"name": "pending", "namespace": "edge"}, "spec": {"type": "LoadBalancer"}},
        {"metadata": {"name": "web", "namespace": "apps"}, "spec": {"type": "ClusterIP"}},
    ]

    items = load_balancer_items(services)
    area = area_of("load balancers", items)

    assert items == [
        ("service/edge/ingress", True, "address 192.168.1.200"),
        ("service/edge/pending", False, "no address yet"),
    ]
    assert area.status == "failed" and "service/edge/pending: no address yet" in area.message
    assert area_of("nodes", [], empty_ok=False).status == "failed"
    assert area_of("system pods", []).status == "ok"

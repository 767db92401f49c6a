"""Integration tests against the real sandbox: k8s readiness, API paths, service proxy, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.sandbox_cluster import Cluster

from unideploy.config.tests_model import KINDS, TestCase
from unideploy.engines.kube.client import api_client
from unideploy.tests_runtime import TestEnv, run_case

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME}
spec:
  replicas: 2
  selector: {matchLabels: {app: NAME}}
  template:
    metadata:
      labels: {app: NAME}
      annotations: ANNOTATIONS
    spec:
      containers: [{name: c, image: registry.example/NAME:1.0.0}]
---
apiVersion: v1
kind: Service
metadata: {name: NAME}
spec:
  selector: {app: NAME}
  ports: [{port: 80, targetPort: 8080}]
"""
UNREADY = '{unideploy.io/sandbox-unready: "true"}'


def app(name: str, annotations: str = "{}") -> str:
    return APP.replace("NAME", name).replace("ANNOTATIONS", annotations)


def case(kind: str, **fields: Any) -> TestCase:
    data = {"name": "t", "category": "infrastructure", "kind": kind, "retryDelay": 1, **fields}
    return KINDS[kind].model_validate(data)


@pytest.fixture
def env(sandbox: Cluster, tmp_path: Path) -> TestEnv:
    client = api_client(sandbox.kubeconfig)
    return TestEnv("development", tmp_path, kube=lambda: client)


@pytest.fixture
def apps(sandbox: Cluster, namespace: str) -> str:
    """A ready app `web` and an app `stuck` whose pods never become ready, with Services."""
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=app("web"))
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=app("stuck", UNREADY))
    sandbox.kubectl(
        "wait", "-n", namespace, "deployment/web", "--for=condition=Available", "--timeout=60s"
    )
    return namespace


@pytest.mark.cluster
def test_readiness_checks_pass_for_the_ready_app_and_name_the_stuck_one(
    apps: str, env: TestEnv
) -> None:
    ready = run_case(
        case("k8s", check="workloads-available", namespace=apps, names=["web"], retries=5), env
    )
    endpoints = run_case(
        case("k8s", check="endpoints-ready", namespace=apps, names=["web"], retries=5), env
    )
    stuck = run_case(case("k8s", check="workloads-available", namespace=apps, retries=1), env)
    pods = run_case(case("k8s", check="pods-ready", namespace=apps, retries=0), env)
    no_endpoints = run_case(
        case("k8s", check="endpoints-ready", namespace=apps, names=["stuck"], retries=0), env
    )
    missing = run_case(
        case("k8s", check="workloads-available", namespace=apps, names=["ghost"], retries=0), env
    )

    assert ready.passed, ready.message
    assert endpoints.passed, endpoints.message
    assert not stuck.passed and stuck.attempts == 2
    assert "deployment/stuck" in stuck.message and "deployment/web" not in stuck.message
    assert not pods.passed and "Running but not Ready" in pods.message
    assert not no_endpoints.passed and "0 ready endpoint(s)" in no_endpoints.message
    assert not missing.passed and "ghost: not found" in missing.message


@pytest.mark.cluster
def test_nodes_ready_and_min_count(env: TestEnv) -> None:
    nodes = run_case(case("k8s", check="nodes-ready"), env)
    too_few = run_case(case("k8s", check="nodes-ready", minCount=50, retries=0), env)

    assert nodes.passed, nodes.message
    assert not too_few.passed and "expected at least 50" in too_few.message


@pytest.mark.cluster
def test_certificates_without_cert_manager(env: TestEnv, namespace: str) -> None:
    optional = run_case(
        case("k8s", check="certificates-ready", namespace=namespace, minCount=0), env
    )
    required = run_case(
        case("k8s", check="certificates-ready", namespace=namespace, retries=0), env
    )

    assert optional.passed, optional.message
    assert not required.passed and "does not serve certificates" in required.message


@pytest.mark.cluster
def test_http_through_the_api_server_and_its_service_proxy(apps: str, env: TestEnv) -> None:
    readyz = run_case(case("http", apiPath="/readyz?verbose", expect={"bodyContains": "etcd"}), env)
    config = run_case(
        case(
            "http",
            apiPath=f"/api/v1/namespaces/{apps}/services/web",
            expect={"jsonEquals": {"spec.ports[0].port": 80, "metadata.name": "web"}},
        ),
        env,
    )
    # Pods are simulated: the proxy finds the Service but nothing answers behind it.
    proxied = run_case(
        case("http", service={"namespace": apps, "name": "web", "port": 80}, retries=0, timeout=5),
        env,
    )
    unknown = run_case(
        case(
            "http",
            service={"namespace": apps, "name": "nope", "port": 80},
            retries=0,
            expect={"status": 404},
        ),
        env,
    )

    assert readyz.passed, readyz.message
    assert config.passed, config.message
    assert not proxied.passed and "status 404" not in proxied.message
    assert unknown.passed, unknown.message


@pytest.mark.cluster
def test_tcp_to_the_api_server_and_the_live_audit(env: TestEnv) -> None:
    tcp = run_case(case("tcp", apiServer=True), env)
    audit = run_case(case("security", category="security", scope="cluster", failOn="none"), env)
    strict = run_case(
        case("security", category="security", scope="cluster", failOn="low", retries=0), env
    )

    assert tcp.passed, tcp.message
    assert audit.passed, audit.message
    assert audit.details["objects"] > 0 and audit.details["reported"] > 0
    assert not strict.passed and "blocking finding(s)" in strict.message


VOLUMES = """\
apiVersion: v1
kind: PersistentVolume
metadata: {name: PV}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual-PV
  hostPath: {path: /tmp/PV}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual-PV
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: orphan}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: no-such-class
  resources: {requests: {storage: 1Gi}}
"""


@pytest.mark.cluster
def test_pvcs_bound_by_the_real_volume_controller(
    sandbox: Cluster, namespace: str, env: TestEnv
) -> None:
    volume = f"pv-{namespace}"[:63]
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=VOLUMES.replace("PV", volume))
    try:
        bound = run_case(
            case("k8s", check="pvcs-bound", namespace=namespace, names=["data"], retries=15), env
        )
        pending = run_case(
            case("k8s", check="pvcs-bound", namespace=namespace, names=["orphan"], retries=0), env
        )
    finally:
        sandbox.kubectl("delete", "-n", namespace, "pvc", "--all", "--wait=false", check=False)
        sandbox.kubectl("delete", "pv", volume, "--wait=false", check=False)

    assert bound.passed, bound.message
    assert not pending.passed and "persistentvolumeclaim/orphan: Pending" in pending.message

"""The sandbox runs workloads through the real controllers: Deployments, ReplicaSets, Pods."""

from __future__ import annotations

import time

import pytest
from tests.integration.sandbox_cluster import Cluster

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations: {ANNOTATIONS}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0.0
"""


def deployment(annotations: str = "{}") -> str:
    return DEPLOYMENT.replace("{ANNOTATIONS}", annotations)


@pytest.mark.cluster
def test_three_replicas_become_available_through_the_real_controllers(
    sandbox: Cluster, namespace: str
) -> None:
    started = time.monotonic()
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=deployment())
    sandbox.kubectl(
        "wait",
        "-n",
        namespace,
        "deployment/web",
        "--for=condition=Available=True",
        "--timeout=60s",
    )
    sandbox.kubectl(
        "wait",
        "-n",
        namespace,
        "deployment/web",
        "--for=jsonpath={.status.readyReplicas}=3",
        "--timeout=60s",
    )
    elapsed = time.monotonic() - started
    assert elapsed <= 60, f"took {elapsed:.1f} s"

    dep = sandbox.get_json("deployment", "web", namespace=namespace)
    assert dep["status"]["readyReplicas"] == 3
    replica_sets = sandbox.get_json("replicasets", "-l", "app=web", namespace=namespace)["items"]
    assert len(replica_sets) == 1
    assert replica_sets[0]["metadata"]["ownerReferences"][0]["name"] == "web"
    pods = sandbox.get_json("pods", "-l", "app=web", namespace=namespace)["items"]
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
        assert pod["spec"]["nodeName"].startswith("sandbox-node-")  # placed by the scheduler
        assert pod["status"]["phase"] == "Running"
        assert pod["status"]["podIP"]


@pytest.mark.cluster
def test_a_pod_annotated_unready_runs_but_never_becomes_ready(
    sandbox: Cluster, namespace: str
) -> None:
    annotations = '{"unideploy.io/sandbox-unready": "true"}'
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=deployment(annotations))
    sandbox.kubectl(
        "wait",
        "-n",
        namespace,
        "pods",
        "-l",
        "app=web",
        "--for=jsonpath={.status.phase}=Running",
        "--timeout=60s",
    )
    rollout = sandbox.kubectl(
        "rollout", "status", "-n", namespace, "deployment/web", "--timeout=5s", check=False
    )
    assert rollout.returncode != 0

    pods = sandbox.get_json("pods", "-l", "app=web", namespace=namespace)["items"]
    assert len(pods) == 3
    for pod in pods:
        ready = [c for c in pod["status"]["conditions"] if c["type"] == "Ready"]
        assert ready[0]["status"] == "False"
        assert pod["status"]["containerStatuses"][0]["ready"] is False
    assert (
        sandbox.get_json("deployment", "web", namespace=namespace)["status"].get("readyReplicas", 0)
        == 0
    )

    # Removing the annotation from a pod lets it recover, as a fixed rollout would.
    name = pods[0]["metadata"]["name"]
    sandbox.kubectl("annotate", "-n", namespace, "pod", name, "unideploy.io/sandbox-unready-")
    sandbox.kubectl(
        "wait", "-n", namespace, f"pod/{name}", "--for=condition=Ready", "--timeout=30s"
    )


@pytest.mark.cluster
def test_a_job_pod_runs_to_completion(sandbox: Cluster, namespace: str) -> None:
    job = """\
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: once, image: registry.example/once:1.0.0}]
"""
    sandbox.kubectl("apply", "-n", namespace, "-f", "-", input_text=job)
    sandbox.kubectl(
        "wait", "-n", namespace, "job/once", "--for=condition=Complete", "--timeout=60s"
    )
    assert sandbox.get_json("job", "once", namespace=namespace)["status"]["succeeded"] == 1

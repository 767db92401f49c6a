"""Deleting a Namespace removes the objects in it (namespace controller and garbage collector)."""

from __future__ import annotations

import uuid

import pytest
from tests.integration.sandbox_cluster import Cluster

OBJECTS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: registry.example/app:1.0.0}]
"""


@pytest.mark.cluster
def test_deleting_a_namespace_removes_everything_in_it(sandbox: Cluster) -> None:
    name = f"doomed-{uuid.uuid4().hex[:6]}"
    sandbox.kubectl("create", "namespace", name)
    sandbox.kubectl("wait", "-n", name, "serviceaccount/default", "--for=create", "--timeout=30s")
    sandbox.kubectl("apply", "-n", name, "-f", "-", input_text=OBJECTS)
    sandbox.kubectl(
        "wait", "-n", name, "deployment/app", "--for=condition=Available", "--timeout=60s"
    )
    assert len(sandbox.get_json("pods", namespace=name)["items"]) == 2

    sandbox.kubectl("delete", "namespace", name, "--wait=true", "--timeout=90s")

    gone = sandbox.kubectl("get", "namespace", name, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    for kind in ("configmaps", "deployments", "replicasets", "pods"):
        listed = sandbox.get_json(kind, "--all-namespaces")["items"]
        assert [i for i in listed if i["metadata"]["namespace"] == name] == [], kind

"""Watching one object on the sandbox's kube-apiserver, and the readiness wait that uses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.kube.client import KubeReader, api_client
from unideploy.engines.kube.wait import wait_ready
from unideploy.sandbox.kubeconfig import CONTEXT

pytestmark = pytest.mark.cluster


@pytest.fixture(params=["connection", "kubernetes-client"])
def reader(sandbox: Cluster, request: pytest.FixtureRequest) -> KubeReader:
    """Our own connection, and the kubernetes client (kubeconfigs with exec plugins use it)."""
    if request.param == "connection":
        return KubeReader(api_client(sandbox.kubeconfig, CONTEXT))
    return KubeReader(sandbox.api_client())


def _configmap(sandbox: Cluster, namespace: str, value: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "watched", "namespace": namespace},
        "data": {"value": value},
    }
    sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(body))


def test_a_watch_from_an_older_version_yields_the_change_made_since(
    sandbox: Cluster, namespace: str, reader: KubeReader
) -> None:
    _configmap(sandbox, namespace, "one")
    before = reader.get("v1", "ConfigMap", namespace, "watched")
    assert before is not None
    version = before["metadata"]["resourceVersion"]
    _configmap(sandbox, namespace, "two")

    changes = reader.watch("v1", "ConfigMap", namespace, "watched", version, 5.0)
    first = next(iter(changes))
    changes.close()  # type: ignore[attr-defined]
    assert first is not None
    assert first["data"] == {"value": "two"}
    assert first["metadata"]["resourceVersion"] != version
    # The connection pool goes on answering after a watch closed half-read.
    assert reader.get("v1", "ConfigMap", namespace, "watched") is not None


def test_a_watch_with_no_change_ends_empty(
    sandbox: Cluster, namespace: str, reader: KubeReader
) -> None:
    _configmap(sandbox, namespace, "still")
    live = reader.get("v1", "ConfigMap", namespace, "watched")
    assert live is not None
    version = live["metadata"]["resourceVersion"]
    assert list(reader.watch("v1", "ConfigMap", namespace, "watched", version, 0.3)) == []


class CountingReader(KubeReader):
    """A KubeReader that counts its watches and the changes they brought."""

    watches = 0
    changes = 0

    def watch(self, *args: Any) -> Iterator[dict[str, Any] | None]:
        self.watches += 1
        for obj in super().watch(*args):
            self.changes += 1
            yield obj


def test_readiness_after_a_scale_up_is_seen_through_the_watch(
    sandbox: Cluster, namespace: str
) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.invalid/web:1"}]},
            },
        },
    }
    sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(deployment))
    reader = CountingReader(api_client(sandbox.kubeconfig, CONTEXT))
    assert wait_ready(reader, [deployment], namespace=namespace, timeout_s=60).ready

    sandbox.kubectl("scale", "deployment", "web", "--replicas=3", "-n", namespace)
    result = wait_ready(
        reader, [deployment], namespace=namespace, timeout_s=60, first_interval_s=0.05
    )
    assert result.ready, result.summary()
    assert result.statuses[0].message == "web: 3/3 replicas ready"
    assert reader.watches >= 1 and reader.changes >= 1

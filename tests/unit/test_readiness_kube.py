"""The kube reader's URL building and kubeconfig loading (no cluster needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.unit.rest_answer import JsonAnswer

from unideploy.engines.kube.client import KubeReader, api_client
from unideploy.engines.kube.discovery import Resource, RestMapper
from unideploy.errors import EngineError


@pytest.mark.parametrize(
    ("resource", "namespace", "path"),
    [
        (
            Resource("v1", "Service", "services", True),
            "apps",
            "/api/v1/namespaces/apps/services/web",
        ),
        (
            Resource("storage.k8s.io/v1", "StorageClass", "storageclasses", False),
            "apps",
            "/apis/storage.k8s.io/v1/storageclasses/web",
        ),
        (
            Resource("monitoring.coreos.com/v1", "Prometheus", "prometheuses", True),
            "mon",
            "/apis/monitoring.coreos.com/v1/namespaces/mon/prometheuses/web",
        ),
    ],
)
def test_object_paths(resource: Resource, namespace: str, path: str) -> None:
    assert resource.path(namespace, "web") == path


class DiscoveryApi:
    """Serves discovery documents; `served` may change between calls (a CRD installed)."""

    def __init__(self) -> None:
        self.served: dict[str, list[dict[str, Any]]] = {
            "/api/v1": [
                {"name": "endpoints", "kind": "Endpoints", "namespaced": True},
                {"name": "pods/status", "kind": "Pod", "namespaced": True},
            ]
        }
        self.calls: list[str] = []

    def param_serialize(self, method: str, resource_path: str, **_: Any) -> tuple[Any, ...]:
        return method, resource_path, {}, None, None

    def call_api(self, method: str, url: str, *_: Any, **__: Any) -> JsonAnswer:
        self.calls.append(url)
        if url in self.served:
            return JsonAnswer(200, {"resources": self.served[url]})
        return JsonAnswer(404, {"message": "not found"})


def test_kinds_map_through_discovery_and_a_miss_reads_the_group_again() -> None:
    api, now = DiscoveryApi(), [0.0]
    mapper = RestMapper(api, clock=lambda: now[0])
    assert mapper.find("v1", "Endpoints") == Resource("v1", "Endpoints", "endpoints", True)
    assert mapper.find("v1", "Pod") is None  # subresources never stand for their kind
    group = "/apis/fixtures.unideploy.io/v1"
    assert mapper.find("fixtures.unideploy.io/v1", "Prometheus") is None
    api.served[group] = [{"name": "prometheuses", "kind": "Prometheus", "namespaced": False}]
    assert mapper.find("fixtures.unideploy.io/v1", "Prometheus") is None  # read just now
    now[0] += 1.0
    found = mapper.find("fixtures.unideploy.io/v1", "Prometheus")
    assert found is not None and found.path("ignored", "k8s") == f"{group}/prometheuses/k8s"
    assert api.calls.count(group) == 2 and api.calls.count("/api/v1") == 1


KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: here
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: here, context: {cluster: c, user: u}}]
"""


def test_an_unknown_context_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(KUBECONFIG)
    with pytest.raises(EngineError, match=r"context 'elsewhere'") as caught:
        api_client(config, "elsewhere")
    assert caught.value.hint and "context exists" in caught.value.hint


def test_a_missing_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="cannot load kubeconfig"):
        api_client(tmp_path / "absent", None)


def test_an_unreachable_server_is_retryable(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(KUBECONFIG)
    reader = KubeReader.from_kubeconfig(config, "here")
    reader.client.configuration.retries = 0
    with pytest.raises(EngineError) as caught:
        reader.get("apps/v1", "Deployment", "apps", "web")
    assert caught.value.retryable and "Deployment apps/web" in caught.value.message
    assert "not-a-real-token" not in caught.value.render()

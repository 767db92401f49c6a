"""The kube reader's URL building and kubeconfig loading (no cluster needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unideploy.engines.kube.client import KubeReader, api_client, object_path
from unideploy.errors import EngineError


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (("v1", "Service", "apps", "web"), "/api/v1/namespaces/apps/services/web"),
        (("apps/v1", "Deployment", "apps", "web"), "/apis/apps/v1/namespaces/apps/deployments/web"),
        (
            ("networking.k8s.io/v1", "Ingress", "apps", "web"),
            "/apis/networking.k8s.io/v1/namespaces/apps/ingresses/web",
        ),
        (
            ("storage.k8s.io/v1", "StorageClass", "apps", "fast"),
            "/apis/storage.k8s.io/v1/storageclasses/fast",
        ),
        (
            ("cert-manager.io/v1", "Certificate", "apps", "tls"),
            "/apis/cert-manager.io/v1/namespaces/apps/certificates/tls",
        ),
        (
            ("v1", "PersistentVolumeClaim", "db", "data"),
            "/api/v1/namespaces/db/persistentvolumeclaims/data",
        ),
    ],
)
def test_object_paths(args: tuple[str, str, str, str], path: str) -> None:
    assert object_path(*args) == path


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

"""A thin Kubernetes client for the engines: from kubeconfig path + context, reads raw objects.

`KubeReader.get` returns an object as the API server sends it (a plain dict), or None when it does
not exist. Readiness, diff and checks read through it; failures become EngineErrors, connection
problems marked retryable. No objects are written here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, cast

from kubernetes import config as kube_config
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from unideploy.errors import EngineError

#: Plural resource names of the kinds the engines read (lower-cased kind + "s" otherwise).
PLURALS = {
    "Ingress": "ingresses",
    "NetworkPolicy": "networkpolicies",
    "StorageClass": "storageclasses",
    "IngressClass": "ingressclasses",
    "PriorityClass": "priorityclasses",
    "PodSecurityPolicy": "podsecuritypolicies",
    "Endpoints": "endpoints",
}
#: Kinds that live outside namespaces.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "PriorityClass",
        "ClusterIssuer",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    }
)


class ObjectReader(Protocol):
    """Reads one live object; the protocol readiness (and its unit-test fakes) depend on."""

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        """The object as served, or None when it does not exist."""
        ...

    def list(
        self, api_version: str, kind: str, namespace: str, selector: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """Objects of `kind` in `namespace` whose labels match every `selector` pair."""
        ...


def plural(kind: str) -> str:
    """The resource name of `kind` in URLs."""
    return PLURALS.get(kind, kind.lower() + "s")


def object_path(api_version: str, kind: str, namespace: str | None, name: str) -> str:
    """`/api/v1/namespaces/ns/services/web` or `/apis/apps/v1/namespaces/ns/deployments/web`."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    scope = "" if kind in CLUSTER_SCOPED or not namespace else f"/namespaces/{namespace}"
    return f"{base}{scope}/{plural(kind)}/{name}"


def api_client(kubeconfig: Path | str | None, context: str | None = None) -> ApiClient:
    """An ApiClient for the kubeconfig file and context (the file's current context when None)."""
    try:
        client = kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=None if kubeconfig is None else str(Path(kubeconfig).expanduser()),
            context=context,
            persist_config=False,
        )
    except (kube_config.ConfigException, OSError, ValueError) as exc:
        raise EngineError(
            f"cannot load kubeconfig {kubeconfig or '(default)'}"
            + (f" context {context!r}" if context else "")
            + f": {exc}",
            hint="check the path and that the context exists in the file",
        ) from exc
    return cast(ApiClient, client)


class KubeReader:
    """ObjectReader over the kubernetes client's REST layer (no model classes, raw JSON)."""

    def __init__(self, client: ApiClient, *, request_timeout_s: float = 10.0) -> None:
        self.client = client
        self.request_timeout_s = request_timeout_s

    @classmethod
    def from_kubeconfig(
        cls, kubeconfig: Path | str | None, context: str | None = None
    ) -> KubeReader:
        """Build a reader for the cluster the kubeconfig + context name."""
        return cls(api_client(kubeconfig, context))

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        """GET the object; None on 404, EngineError otherwise (retryable for connection trouble)."""
        where = f"{kind} {namespace + '/' if namespace else ''}{name}"
        return self._get_json(object_path(api_version, kind, namespace, name), {}, where)

    def list(
        self, api_version: str, kind: str, namespace: str, selector: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """LIST objects in `namespace` matching the label selector (an empty one matches all)."""
        path = object_path(api_version, kind, namespace, "").rstrip("/")
        query = {"labelSelector": ",".join(f"{k}={v}" for k, v in sorted(selector.items()))}
        found = self._get_json(path, query if selector else {}, f"{plural(kind)} in {namespace}")
        return list((found or {}).get("items") or [])

    def _get_json(self, path: str, query: Mapping[str, str], where: str) -> dict[str, Any] | None:
        try:
            method, url, headers, body, post = self.client.param_serialize(
                method="GET",
                resource_path=path,
                query_params=list(query.items()),
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            response = self.client.call_api(
                method, url, headers, body, post, _request_timeout=self.request_timeout_s
            )
            raw = response.read()  # type: ignore[no-untyped-call]
        except (ApiException, HTTPError, OSError) as exc:
            raise EngineError(
                f"reading {where} failed: {type(exc).__name__}: {str(exc).splitlines()[0]}",
                hint="check that the API server is reachable; retrying may help",
                retryable=True,
            ) from exc
        if response.status == 404:
            return None
        if response.status >= 400:
            retryable = response.status >= 500 or response.status == 429
            raise EngineError(
                f"reading {where} failed: HTTP {response.status} {response.reason}",
                hint="check the kubeconfig's permissions (get/list on this resource)"
                if response.status in (401, 403)
                else "retrying may help"
                if retryable
                else None,
                retryable=retryable,
            )
        decoded: dict[str, Any] = json.loads(raw)
        return decoded

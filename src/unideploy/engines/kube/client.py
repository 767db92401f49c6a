"""A thin Kubernetes client for the engines: from kubeconfig path + context, reads raw objects.

`KubeReader.get` returns an object as the API server sends it (a plain dict), or None when it does
not exist; `KubeReader.watch` follows one object's changes for a short while. Readiness, diff and
checks read through it; failures become EngineErrors, connection problems marked retryable. No
objects are written here.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from unideploy.engines.kube.connection import Unsupported, load_connection
from unideploy.engines.kube.discovery import Resource, resource
from unideploy.engines.kube.rest import client_errors
from unideploy.engines.kube.watch import watch_object
from unideploy.errors import EngineError

#: The client object engines talk through: a KubeConnection, or the kubernetes ApiClient.
ApiClient = Any

#: Kinds that live outside namespaces, for code that places objects without a cluster (renders,
#: GitOps trees). Paths on a live cluster come from API discovery (engines/kube/discovery.py).
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


def api_client(kubeconfig: Path | str | None, context: str | None = None) -> ApiClient:
    """A client for the kubeconfig file and context (the file's current context when None).

    Our own connection (engines/kube/connection.py) when the kubeconfig holds only what it
    handles; the kubernetes client otherwise (credential plugins, auth providers, merged files).
    """
    path = _kubeconfig_path(kubeconfig)
    if path is not None:
        try:
            return load_connection(path, context)
        except Unsupported:
            pass
        except (OSError, ValueError, KeyError, TypeError, ssl.SSLError) as exc:
            raise _config_error(kubeconfig, context, exc) from exc
    return _kubernetes_client(kubeconfig, context)


def _kubeconfig_path(kubeconfig: Path | str | None) -> Path | None:
    """The one file to read, or None when the kubernetes client must find and merge them."""
    if kubeconfig is not None:
        return Path(kubeconfig).expanduser()
    found = os.environ.get("KUBECONFIG", "")
    if os.pathsep in found:
        return None
    return Path(found or "~/.kube/config").expanduser()


def _kubernetes_client(kubeconfig: Path | str | None, context: str | None) -> ApiClient:
    from kubernetes import config as kube_config

    try:
        return kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=None if kubeconfig is None else str(Path(kubeconfig).expanduser()),
            context=context,
            persist_config=False,
        )
    except (kube_config.ConfigException, OSError, ValueError) as exc:
        raise _config_error(kubeconfig, context, exc) from exc


def _config_error(
    kubeconfig: Path | str | None, context: str | None, exc: BaseException
) -> EngineError:
    return EngineError(
        f"cannot load kubeconfig {kubeconfig or '(default)'}"
        + (f" context {context!r}" if context else "")
        + f": {exc}",
        hint="check the path and that the context exists in the file",
    )


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
        served = self._served(api_version, kind, where)
        if served is None:
            return None
        return self._get_json(served.path(namespace, name), {}, where)

    def list(
        self, api_version: str, kind: str, namespace: str, selector: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        """LIST objects in `namespace` matching the label selector (an empty one matches all)."""
        served = self._served(api_version, kind, f"{kind} in {namespace}")
        if served is None:
            return []
        query = {"labelSelector": ",".join(f"{k}={v}" for k, v in sorted(selector.items()))}
        where = f"{served.plural} in {namespace}"
        found = self._get_json(served.collection(namespace), query if selector else {}, where)
        return list((found or {}).get("items") or [])

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        resource_version: str,
        timeout_s: float,
    ) -> Iterator[dict[str, Any] | None]:
        """The object after each change past `resource_version`, for up to `timeout_s`.

        Ends early, yielding nothing more, on any trouble (engines/kube/watch.py).
        """
        served = self._served(api_version, kind, f"{kind} {name}")
        if served is None:
            return iter(())
        return watch_object(
            self.client, served.collection(namespace), name, resource_version, timeout_s
        )

    def _served(self, api_version: str, kind: str, where: str) -> Resource | None:
        try:
            return resource(self.client, api_version, kind)
        except EngineError as exc:
            raise EngineError(
                f"reading {where} failed: {exc.message}", hint=exc.hint, retryable=exc.retryable
            ) from exc

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
            raw = response.read()
        except client_errors() as exc:
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

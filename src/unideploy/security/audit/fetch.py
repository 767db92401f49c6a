"""List the objects the live audit reads, from the API server, as plain dicts (read-only).

Uses the engines' API client's REST layer (no model classes). Items of a list response carry no
apiVersion/kind of their own, so both are set from the list. Failures become EngineErrors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unideploy.engines.kube.rest import ApiClient, call
from unideploy.errors import EngineError
from unideploy.security.manifests.objects import K8sObject

AUDIT_RESOURCES: tuple[tuple[str, str, str], ...] = (
    ("v1", "Namespace", "namespaces"),
    ("v1", "Pod", "pods"),
    ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles"),
    ("rbac.authorization.k8s.io/v1", "Role", "roles"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
)


def list_all(
    client: ApiClient,
    api_version: str,
    kind: str,
    resource: str,
    *,
    field_selector: str | None = None,
    missing_ok: bool = False,
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    """Every object of one resource across all namespaces ([] for an absent API if missing_ok)."""
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    query = [("fieldSelector", field_selector)] if field_selector else None
    try:
        status, decoded, reason = call(
            client, "GET", f"{base}/{resource}", query=query, timeout=timeout
        )
    except EngineError as exc:
        raise EngineError(
            f"listing {resource} failed: {exc.message}", hint=exc.hint, retryable=True
        ) from exc
    if status == 404 and missing_ok:
        return []
    if status >= 400:
        raise EngineError(
            f"listing {resource} failed: HTTP {status} {reason}",
            hint="the audit needs list on namespaces, pods, networkpolicies and RBAC objects",
            retryable=status >= 500,
        )
    items: list[dict[str, Any]] = (decoded or {}).get("items") or []
    for item in items:
        item.setdefault("apiVersion", api_version)
        item.setdefault("kind", kind)
    return items


def fetch_audit_objects(
    client: ApiClient, resources: Sequence[tuple[str, str, str]] = AUDIT_RESOURCES
) -> list[K8sObject]:
    """The cluster's namespaces, pods, network policies and RBAC objects, ready for `audit`."""
    objects: list[K8sObject] = []
    for api_version, kind, resource in resources:
        for item in list_all(client, api_version, kind, resource):
            objects.append(K8sObject(raw=item, path=f"cluster:{resource}"))
    return objects


def fetch_tls_sources(client: ApiClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`kubernetes.io/tls` Secrets and cert-manager Certificates (none when the CRD is absent)."""
    secrets = list_all(client, "v1", "Secret", "secrets", field_selector="type=kubernetes.io/tls")
    certificates = list_all(
        client, "cert-manager.io/v1", "Certificate", "certificates", missing_ok=True
    )
    return secrets, certificates


def fetch_exposed(client: ApiClient) -> list[dict[str, Any]]:
    """Ingresses and Services, the objects TLS endpoints are discovered from."""
    ingresses = list_all(client, "networking.k8s.io/v1", "Ingress", "ingresses")
    return ingresses + list_all(client, "v1", "Service", "services")

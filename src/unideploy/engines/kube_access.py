"""Cluster facts preflight needs: server version, reachability, namespaces, SelfSubjectAccessReview.

Thin wrappers over the kubernetes client that take an ApiClient and return plain values; every API
failure becomes an EngineError (connection trouble marked retryable). Nothing here writes objects
except the access reviews, which change nothing in the cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from unideploy.errors import EngineError

REQUEST_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ServerVersion:
    """The API server's version."""

    git_version: str
    major: int
    minor: int

    @property
    def minor_version(self) -> str:
        """major.minor, e.g. 1.36."""
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Access:
    """One verb on one resource, and whether the current user may do it."""

    verb: str
    resource: str
    group: str
    namespace: str | None
    allowed: bool
    reason: str = ""

    def __str__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else " (cluster-wide)"
        target = f"{self.resource}.{self.group}" if self.group else self.resource
        return f"{self.verb} {target}{where}"


def _failure(action: str, exc: Exception) -> EngineError:
    if isinstance(exc, ApiException) and exc.status in (401, 403):
        return EngineError(
            f"{action}: HTTP {exc.status} {exc.reason}",
            hint="the kubeconfig's credentials are not accepted or lack permission",
        )
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return EngineError(
        f"{action}: {detail}",
        hint="check that the cluster is up and the kubeconfig points at it",
        retryable=True,
    )


def server_version(api: ApiClient) -> ServerVersion:
    """GET /version."""
    try:
        info: Any = k8s.VersionApi(api).get_code(_request_timeout=REQUEST_TIMEOUT_S)
    except (ApiException, HTTPError, OSError) as exc:
        raise _failure("cannot reach the Kubernetes API", exc) from exc
    minor = "".join(ch for ch in str(info.minor) if ch.isdigit()) or "0"
    return ServerVersion(str(info.git_version), int(info.major), int(minor))


def existing_namespaces(api: ApiClient) -> set[str]:
    """Names of the namespaces that exist."""
    try:
        listed: Any = k8s.CoreV1Api(api).list_namespace(_request_timeout=REQUEST_TIMEOUT_S)
    except (ApiException, HTTPError, OSError) as exc:
        raise _failure("cannot list namespaces", exc) from exc
    return {item.metadata.name for item in listed.items}


def served_kinds(api: ApiClient, group_version: str) -> set[str]:
    """Kinds the server serves for `group_version` (empty when the group is not served)."""
    path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    try:
        response: Any = api.call_api(
            *api.param_serialize(method="GET", resource_path=path, auth_settings=["BearerToken"]),
            _request_timeout=REQUEST_TIMEOUT_S,
        )
        raw = response.read()
    except (ApiException, HTTPError, OSError) as exc:
        raise _failure(f"cannot discover {group_version}", exc) from exc
    if response.status == 404:
        return set()
    document = json.loads(raw)
    return {
        resource["kind"]
        for resource in document.get("resources", [])
        if "/" not in resource["name"]
    }


def can_i(
    api: ApiClient, verb: str, resource: str, group: str = "", namespace: str | None = None
) -> Access:
    """Ask the API server whether the current user may `verb` `resource` (an access review)."""
    review = k8s.V1SelfSubjectAccessReview(
        spec=k8s.V1SelfSubjectAccessReviewSpec(
            resource_attributes=k8s.V1ResourceAttributes(
                verb=verb, resource=resource, group=group, namespace=namespace
            )
        )
    )
    try:
        answer: Any = k8s.AuthorizationV1Api(api).create_self_subject_access_review(
            review, _request_timeout=REQUEST_TIMEOUT_S
        )
    except (ApiException, HTTPError, OSError) as exc:
        raise _failure("cannot review access", exc) from exc
    status = answer.status
    return Access(verb, resource, group, namespace, bool(status.allowed), status.reason or "")

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
    listed = _request(api, "GET", "/api/v1/namespaces", "cannot list namespaces")
    return {item["metadata"]["name"] for item in listed.get("items", [])}


def _request(
    api: ApiClient, method: str, path: str, action: str, body: Any = None
) -> dict[str, Any]:
    """One raw JSON request that must succeed."""
    status, document = request_json(api, method, path, action, body)
    if status >= 400:
        raise _failure(action, ApiException(status=status, reason=document.get("message", "")))
    return document


def request_json(
    api: ApiClient,
    method: str,
    path: str,
    action: str,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One raw JSON request: (HTTP status, decoded body); connection trouble is an EngineError.

    No model classes: the client's generated API modules cost a second to import on first use.
    """
    try:
        response: Any = api.call_api(
            *api.param_serialize(
                method=method,
                resource_path=path,
                query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=body,
                auth_settings=["BearerToken"],
            ),
            _request_timeout=REQUEST_TIMEOUT_S,
        )
        raw = response.read()
    except (ApiException, HTTPError, OSError) as exc:
        raise _failure(action, exc) from exc
    try:
        document = json.loads(raw) if raw else {}
    except ValueError:
        document = {"message": raw.decode(errors="replace")[:200]}
    return int(response.status), document if isinstance(document, dict) else {}


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
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                key: value
                for key, value in (
                    ("verb", verb),
                    ("resource", resource),
                    ("group", group),
                    ("namespace", namespace),
                )
                if value is not None
            }
        },
    }
    path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    answer = _request(api, "POST", path, "cannot review access", review)
    status = answer.get("status", {})
    return Access(
        verb, resource, group, namespace, bool(status.get("allowed")), status.get("reason", "")
    )

"""Cluster facts preflight needs: server version, reachability, namespaces, SelfSubjectAccessReview.

Thin wrappers over the engines' API client (engines/kube/client.py) returning plain values;
every API failure becomes an EngineError (connection trouble marked retryable). Nothing here
writes objects except the access reviews, which change nothing in the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube.rest import ApiClient, call
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


class HttpStatus(Exception):
    """An answer whose status says the request failed."""

    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(f"HTTP {status} {reason}".rstrip())
        self.status, self.reason = status, reason


def _failure(action: str, exc: Exception) -> EngineError:
    if isinstance(exc, HttpStatus) and exc.status in (401, 403):
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
    info = _request(api, "GET", "/version", "cannot reach the Kubernetes API")
    minor = "".join(ch for ch in str(info.get("minor", "")) if ch.isdigit()) or "0"
    major = "".join(ch for ch in str(info.get("major", "")) if ch.isdigit()) or "0"
    return ServerVersion(str(info.get("gitVersion", "")), int(major), int(minor))


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
        raise _failure(action, HttpStatus(status, document.get("message", "")))
    return document


def request_json(
    api: ApiClient,
    method: str,
    path: str,
    action: str,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One raw JSON request: (HTTP status, decoded body); connection trouble is an EngineError."""
    try:
        status, document, message = call(
            api, method, path, query=query, body=body, timeout=REQUEST_TIMEOUT_S
        )
    except EngineError as exc:
        raise EngineError(
            f"{action}: {exc.message}", hint=exc.hint, retryable=exc.retryable
        ) from exc
    if not isinstance(document, dict):
        document = {"message": message} if status >= 400 else {}
    return status, document


def served_kinds(api: ApiClient, group_version: str) -> set[str]:
    """Kinds the server serves for `group_version` (empty when the group is not served)."""
    path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    status, document = request_json(api, "GET", path, f"cannot discover {group_version}")
    if status == 404:
        return set()
    if status >= 400:
        raise _failure(f"cannot discover {group_version}", HttpStatus(status))
    return {
        resource["kind"]
        for resource in document.get("resources", [])
        if "/" not in resource["name"]
    }


def can_i(
    api: ApiClient,
    verb: str,
    resource: str,
    group: str = "",
    namespace: str | None = None,
    name: str | None = None,
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
                    ("name", name),
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


def may_do_everything(api: ApiClient) -> bool:
    """Whether the credentials may do every verb on every resource (cluster-admin, a sandbox's)."""
    return can_i(api, "*", "*", "*").allowed


def whoami(api: ApiClient) -> str:
    """The user name the API server authenticates the kubeconfig's credentials as."""
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    path = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
    answer = _request(api, "POST", path, "cannot ask who the credentials are", review)
    return str(((answer.get("status") or {}).get("userInfo") or {}).get("username", ""))

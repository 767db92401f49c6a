"""Server-side apply against the API server, for real or as a dry run (`dryRun=All`).

A dry-run apply returns the object as the server would store it — defaulted, merged with what other
managers own — which is what a diff must compare with the live object to show no defaulting noise.
Takes plain dicts; every failure is an EngineError (conflicts named, connection trouble retryable).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from unideploy.engines.kube import object_path
from unideploy.errors import EngineError

FIELD_MANAGER = "unideploy"
REQUEST_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class ApplyOutcome:
    """What the server answered: the resulting object, or why it refused."""

    obj: dict[str, Any] | None
    status: int
    reason: str = ""

    @property
    def conflict(self) -> bool:
        """True when another field manager owns fields we set (HTTP 409)."""
        return self.status == 409


def server_side_apply(
    api: ApiClient,
    manifest: dict[str, Any],
    *,
    namespace: str | None,
    dry_run: bool,
    force: bool = False,
    field_manager: str = FIELD_MANAGER,
) -> ApplyOutcome:
    """PATCH the object with an apply patch; 404 (no namespace/CRD) and 409 come back as values."""
    meta = manifest.get("metadata", {})
    path = object_path(manifest["apiVersion"], manifest["kind"], namespace, meta["name"])
    query: list[tuple[str, str]] = [("fieldManager", field_manager)]
    if dry_run:
        query.append(("dryRun", "All"))
    if force:
        query.append(("force", "true"))
    body = dict(manifest)
    if namespace and "namespace" not in meta:
        body["metadata"] = {**meta, "namespace": namespace}
    try:
        method, url, headers, payload, post = api.param_serialize(
            method="PATCH",
            resource_path=path,
            query_params=query,
            header_params={
                "Content-Type": "application/apply-patch+yaml",
                "Accept": "application/json",
            },
            body=json.dumps(body),
            auth_settings=["BearerToken"],
        )
        response = api.call_api(
            method, url, headers, payload, post, _request_timeout=REQUEST_TIMEOUT_S
        )
        raw = response.read()  # type: ignore[no-untyped-call]
    except (ApiException, HTTPError, OSError) as exc:
        raise EngineError(
            f"apply of {manifest['kind']} {meta['name']} failed: {type(exc).__name__}",
            hint="check that the API server is reachable; retrying may help",
            retryable=True,
        ) from exc
    if response.status >= 400:
        reason = _message(raw) or str(response.reason)
        if response.status in (404, 409, 422):
            return ApplyOutcome(None, response.status, reason)
        raise EngineError(
            f"apply of {manifest['kind']} {meta['name']} refused: HTTP {response.status} {reason}",
            retryable=response.status >= 500 or response.status == 429,
        )
    decoded: dict[str, Any] = json.loads(raw)
    return ApplyOutcome(decoded, response.status)


def _message(raw: bytes) -> str:
    try:
        return str(json.loads(raw).get("message", ""))
    except (ValueError, AttributeError):
        return ""


def delete_object(
    api: ApiClient, api_version: str, kind: str, namespace: str | None, name: str
) -> bool:
    """DELETE the object (foreground); False when it was already gone."""
    path = object_path(api_version, kind, namespace, name)
    try:
        method, url, headers, payload, post = api.param_serialize(
            method="DELETE",
            resource_path=path,
            query_params=[("propagationPolicy", "Foreground")],
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(
            method, url, headers, payload, post, _request_timeout=REQUEST_TIMEOUT_S
        )
        raw = response.read()  # type: ignore[no-untyped-call]
    except (ApiException, HTTPError, OSError) as exc:
        raise EngineError(
            f"delete of {kind} {name} failed: {type(exc).__name__}", retryable=True
        ) from exc
    if response.status == 404:
        return False
    if response.status >= 400:
        raise EngineError(
            f"delete of {kind} {name} refused: HTTP {response.status} {_message(raw)}"
        )
    return True

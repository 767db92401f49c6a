"""Server-side apply against the API server, for real or as a dry run (`dryRun=All`).

A dry-run apply returns the object as the server would store it — defaulted, merged with what other
managers own — which is what a diff must compare with the live object to show no defaulting noise.
Takes plain dicts; every failure is an EngineError (conflicts named, connection trouble retryable).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube.discovery import resource
from unideploy.engines.kube.rest import ApiClient, call
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


def apply_request(
    api: Any, manifest: dict[str, Any], *, namespace: str | None, query: list[tuple[str, str]]
) -> tuple[bool, int, Any, str]:
    """PATCH `manifest` as an apply patch with `query`: (served, status, decoded body, reason).

    `served` is False, and nothing is sent, when the server serves no resource for its kind.
    """
    meta = manifest.get("metadata", {})
    served = resource(api, str(manifest["apiVersion"]), str(manifest["kind"]))
    if served is None:
        why = f"the API server serves no {manifest['kind']} in {manifest['apiVersion']}"
        return False, 404, None, why
    body = dict(manifest)
    if namespace and served.namespaced and "namespace" not in meta:
        body["metadata"] = {**meta, "namespace": namespace}
    status, decoded, reason = call(
        api,
        "PATCH",
        served.path(namespace, meta["name"]),
        query=query,
        body=json.dumps(body),
        content_type="application/apply-patch+yaml",
        timeout=REQUEST_TIMEOUT_S,
    )
    return True, status, decoded, reason


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
    query: list[tuple[str, str]] = [("fieldManager", field_manager)]
    if dry_run:
        query.append(("dryRun", "All"))
    if force:
        query.append(("force", "true"))
    served, status, decoded, reason = apply_request(api, manifest, namespace=namespace, query=query)
    if not served:
        return ApplyOutcome(None, status, reason)
    if status >= 400:
        if status in (404, 409, 422):
            return ApplyOutcome(None, status, reason)
        name = manifest.get("metadata", {})["name"]
        raise EngineError(
            f"apply of {manifest['kind']} {name} refused: HTTP {status} {reason}",
            retryable=status >= 500 or status == 429,
        )
    return ApplyOutcome(decoded if isinstance(decoded, dict) else None, status)


def delete_object(
    api: ApiClient, api_version: str, kind: str, namespace: str | None, name: str
) -> bool:
    """DELETE the object (foreground); False when it was already gone."""
    served = resource(api, api_version, kind)
    if served is None:
        return False
    path = served.path(namespace, name)
    query = [("propagationPolicy", "Foreground")]
    status, _, reason = call(api, "DELETE", path, query=query, timeout=REQUEST_TIMEOUT_S)
    if status == 404:
        return False
    if status >= 400:
        raise EngineError(f"delete of {kind} {name} refused: HTTP {status} {reason}")
    return True

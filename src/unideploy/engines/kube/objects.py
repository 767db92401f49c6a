"""Live objects in bulk: list them per kind and namespace, JSON-patch and delete them.

Drift, doctor and GitOps status read the cluster through here: thin REST calls through
engines/kube/rest.py (raw JSON, no model classes); every failure is an EngineError. One LIST per
(kind, namespace), never one GET per object: that is what keeps a drift check of thousands
of objects within seconds.
"""

from __future__ import annotations

from typing import Any

from unideploy.engines.kube.discovery import Resource, resource
from unideploy.engines.kube.rest import ApiClient, call
from unideploy.errors import EngineError


def _served(api: ApiClient, obj: dict[str, Any]) -> Resource | None:
    return resource(api, str(obj["apiVersion"]), str(obj["kind"]))


def list_objects(
    api: ApiClient,
    api_version: str,
    kind: str,
    namespace: str | None,
    *,
    label_selector: str | None = None,
) -> list[dict[str, Any]]:
    """Every object of one kind in one namespace, or in all ([] when the kind is not served)."""
    query = [("labelSelector", label_selector)] if label_selector else None
    served = resource(api, api_version, kind)
    if served is None:
        return []
    status, decoded, message = call(api, "GET", served.collection(namespace), query=query)
    if status == 404:
        return []
    if status >= 400:
        raise EngineError(
            f"listing {kind} in {namespace or 'the cluster'} failed: HTTP {status} {message}",
            hint="drift needs list on every kind the releases render",
            retryable=status >= 500 or status == 429,
        )
    items: list[dict[str, Any]] = (decoded or {}).get("items") or []
    for item in items:
        item.setdefault("apiVersion", api_version)
        item.setdefault("kind", kind)
    return items


#: Ask a LIST for metadata only (PartialObjectMetadataList): names and labels, no data.
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def list_metadata(
    api: ApiClient, api_version: str, kind: str, namespace: str | None, label_selector: str
) -> list[dict[str, Any]]:
    """The metadata of every object of one kind matching `label_selector` (no spec, no data).

    For kinds whose objects are large and only their labels are wanted: Helm's release records
    are Secrets holding a whole compressed release each.
    """
    served = resource(api, api_version, kind)
    if served is None:
        return []
    query = [("labelSelector", label_selector)]
    collection = served.collection(namespace)
    status, decoded, message = call(api, "GET", collection, query=query, accept=METADATA_ONLY)
    if status >= 400:
        raise EngineError(
            f"listing {kind} in {namespace or 'the cluster'} failed: HTTP {status} {message}",
            hint=f"the credentials need list on {served.plural} there",
            retryable=status >= 500 or status == 429,
        )
    return [item.get("metadata") or {} for item in (decoded or {}).get("items") or []]


def json_patch(
    api: ApiClient, obj: dict[str, Any], operations: list[dict[str, Any]]
) -> tuple[bool, str]:
    """Apply an RFC 6902 patch to `obj`; (False, why) when the server refuses it."""
    meta = obj.get("metadata") or {}
    served = _served(api, obj)
    if served is None:
        return False, f"the API server serves no {obj['kind']} in {obj['apiVersion']}"
    path = served.path(meta.get("namespace"), meta["name"])
    status, _, message = call(
        api,
        "PATCH",
        path,
        query=[("fieldManager", "unideploy")],
        body=operations,
        content_type="application/json-patch+json",
    )
    return status < 400, "" if status < 400 else f"HTTP {status} {message}"


def annotate(api: ApiClient, obj: dict[str, Any], key: str, value: str) -> tuple[bool, str]:
    """Set one annotation on `obj` (a reference: apiVersion, kind, name, namespace).

    How `flux reconcile` and `argocd app get --refresh` ask a controller to look again.
    """
    escaped = key.replace("~", "~0").replace("/", "~1")
    done, why = json_patch(
        api, obj, [{"op": "add", "path": f"/metadata/annotations/{escaped}", "value": value}]
    )
    if not done:  # the object has no annotations yet
        done, why = json_patch(
            api, obj, [{"op": "add", "path": "/metadata/annotations", "value": {key: value}}]
        )
    return done, why


def delete_object(api: ApiClient, obj: dict[str, Any]) -> tuple[bool, str]:
    """Delete `obj` (background propagation); a 404 counts as done."""
    meta = obj.get("metadata") or {}
    served = _served(api, obj)
    if served is None:
        return True, ""
    path = served.path(meta.get("namespace"), meta["name"])
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
    status, _, message = call(api, "DELETE", path, body=body, content_type="application/json")
    return status < 400 or status == 404, "" if status < 400 else f"HTTP {status} {message}"

"""Normalise a Kubernetes object for comparison: server-set fields dropped, secrets redacted.

Both sides of a diff go through here, so `status`, `managedFields`, `resourceVersion`, `uid`,
timestamps and bookkeeping annotations never show as changes, and Secret values never print.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

SERVER_METADATA = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
)
REDACTED = "(redacted"


def redact_value(value: Any) -> str:
    """A marker that changes when the secret changes but never shows it."""
    digest = hashlib.sha256(str(value).encode()).hexdigest()[:12]
    return f"{REDACTED} sha256:{digest})"


def normalize(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A view of `obj` fit for comparison and printing, to be read, never changed.

    Only the levels this function changes are copied (the object, its metadata and annotations,
    a Secret's data); everything below is shared with `obj`.
    """
    result: dict[str, Any] = dict(obj)
    result.pop("status", None)
    metadata = result.get("metadata")
    if isinstance(metadata, Mapping):
        metadata = result["metadata"] = dict(metadata)
        for key in SERVER_METADATA:
            metadata.pop(key, None)
        annotations = metadata.get("annotations")
        if isinstance(annotations, Mapping):
            annotations = metadata["annotations"] = dict(annotations)
            for key in SERVER_ANNOTATIONS:
                annotations.pop(key, None)
            if not annotations:
                metadata.pop("annotations", None)
    if result.get("kind") == "Secret":
        for field in ("data", "stringData"):
            data = result.get(field)
            if isinstance(data, dict):
                result[field] = {key: redact_value(value) for key, value in data.items()}
    return result


def object_key(obj: Mapping[str, Any], default_namespace: str | None = None) -> str:
    """`Kind namespace/name` (or `Kind name` when cluster-scoped) for headers and lookups."""
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or default_namespace
    where = f"{namespace}/{meta.get('name')}" if namespace else str(meta.get("name"))
    return f"{obj.get('kind')} {where}"

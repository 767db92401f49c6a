"""Who owns a field of a live object, read from its `managedFields` (FieldsV1 trees).

Pure. Drift ignores fields owned by controllers that are meant to change them (an HPA's replicas,
written by kube-controller-manager) and by the managers a user's ignore rule names.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

#: Managers whose writes are the cluster working as intended, not drift.
CONTROLLER_MANAGERS = frozenset(
    {
        "kube-controller-manager",
        "horizontal-pod-autoscaler",
        "vpa-updater",
        "vpa-recommender",
        "keda-operator",
        "cluster-autoscaler",
    }
)


def owners(live: Mapping[str, Any], path: tuple[str | int, ...]) -> set[str]:
    """The managers that own the field at `path` (live list indexes) of `live`."""
    found = set()
    for entry in (live.get("metadata") or {}).get("managedFields") or ():
        fields = entry.get("fieldsV1")
        if isinstance(fields, dict) and _has(fields, path, live):
            found.add(str(entry.get("manager", "")))
    return found


def owned_by(
    live: Mapping[str, Any], path: tuple[str | int, ...], managers: Collection[str]
) -> bool:
    """True when one of `managers` owns the field at `path`."""
    return bool(owners(live, path) & set(managers))


def _has(fields: dict[str, Any], path: tuple[str | int, ...], node: Any) -> bool:
    for part in path:
        if isinstance(part, str):
            fields = fields.get(f"f:{part}")  # type: ignore[assignment]
            node = node.get(part) if isinstance(node, dict) else None
        else:
            if not isinstance(node, list) or part >= len(node):
                return False
            item = node[part]
            fields = _item_fields(fields, part, item)  # type: ignore[assignment]
            node = item
        if not isinstance(fields, dict):
            return False
    return True


def _item_fields(fields: dict[str, Any], index: int, item: Any) -> dict[str, Any] | None:
    for key, value in fields.items():
        if key.startswith("k:") and isinstance(item, dict):
            try:
                identity = json.loads(key[2:])
            except ValueError:
                continue
            if all(item.get(k) == v for k, v in identity.items()):
                return value if isinstance(value, dict) else None
        elif key == f"i:{index}" or (key.startswith("v:") and _json(key[2:]) == item):
            return value if isinstance(value, dict) else None
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


HELM_OWNERSHIP = ("metadata", "annotations", "meta.helm.sh/release-name")


def deploy_manager(live: Mapping[str, Any]) -> str | None:
    """The field manager that applied the object for Helm (it owns Helm's release annotation).

    Drift repairs apply as this manager, so the next Helm upgrade meets no conflict with them.
    """
    for entry in (live.get("metadata") or {}).get("managedFields") or ():
        fields = entry.get("fieldsV1")
        applied = entry.get("operation") == "Apply" and isinstance(fields, dict)
        if applied and _has(fields, HELM_OWNERSHIP, live):
            return str(entry.get("manager"))
    return None

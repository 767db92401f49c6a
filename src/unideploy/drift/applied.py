"""Server-side apply's own view of a desired object: what re-applying it would leave on the server.

Drift compares the live object with this view rather than with the rendered text: the object is
applied as a dry run by the field manager Helm deployed it with, carrying what Helm adds at
install time (the release annotations and `app.kubernetes.io/managed-by`), and the answer is cut
down to the fields that manager would own (its `managedFields` entry). Defaults the server fills
in, zero values it drops (`initialDelaySeconds: 0`, `hostNetwork: false`), `stringData` stored as
`data` and quantities written another way are then the same on both sides: no list of defaults
is kept here. Pure except `applied_view`, which makes one dry-run request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from unideploy.engines.kube.apply import server_side_apply


def applied_view(api: Any, desired: Mapping[str, Any], manager: str) -> dict[str, Any] | None:
    """The fields `manager` would own after applying `desired`, as the server would store them.

    None when the server refuses the dry run (the caller then compares the rendered object).
    """
    meta = desired.get("metadata") or {}
    answer = server_side_apply(
        api,
        dict(desired),
        namespace=meta.get("namespace"),
        dry_run=True,
        force=True,
        field_manager=manager,
    )
    if answer.obj is None:
        return None
    fields = managed_set(answer.obj, manager)
    if fields is None:
        return None
    view = prune(answer.obj, fields)
    view.update(apiVersion=answer.obj.get("apiVersion"), kind=answer.obj.get("kind"))
    return view


def managed_set(obj: Mapping[str, Any], manager: str) -> dict[str, Any] | None:
    """The FieldsV1 tree `manager` owns through Apply on `obj` (None when it owns nothing)."""
    for entry in (obj.get("metadata") or {}).get("managedFields") or ():
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            fields = entry.get("fieldsV1")
            return fields if isinstance(fields, dict) else None
    return None


def prune(node: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The part of `node` named by a FieldsV1 tree (members absent from `node` are left out)."""
    result: dict[str, Any] = {}
    for key, sub in fields.items():
        if not key.startswith("f:"):
            continue
        name = key[2:]
        if name not in node:
            continue
        result[name] = _value(node[name], sub)
    return result


def _value(value: Any, sub: Any) -> Any:
    children = {k: v for k, v in (sub or {}).items() if k != "."}
    if not children:
        return value
    if isinstance(value, dict):
        return prune(value, children)
    if isinstance(value, list):
        return [_value(item, match) for item in value if (match := _item(children, item))]
    return value


def _item(children: Mapping[str, Any], item: Any) -> Any:
    """The FieldsV1 subtree of one list item (`k:` merge keys or `v:` set values), or None."""
    for key, sub in children.items():
        if key.startswith("k:") and isinstance(item, dict):
            identity = _json(key[2:])
            if isinstance(identity, dict) and all(item.get(k) == v for k, v in identity.items()):
                return sub or {".": {}}
        elif key.startswith("v:") and _json(key[2:]) == item:
            return sub or {".": {}}
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None

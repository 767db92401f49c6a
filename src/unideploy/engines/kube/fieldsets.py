"""Whether a server-side apply could conflict with a live object's other field managers.

A server-side apply conflicts only on a field it sets that another manager owns (an entry of
the live object's `managedFields`: another manager, or ours under another operation or on a
subresource). This module answers, from the live object alone, whether that is possible: each
entry's `fieldsV1` and the applied body are reduced to paths of field names — cut at the first
list, whose items (`k:`, `v:`, `i:`) are not told apart — and a conflict is possible when a path
of one is a prefix of a path of the other. "Not possible" is certain; "possible" is only a
maybe, for the API server's dry run to settle (engines/kube/conflicts.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Path = tuple[str, ...]

#: Top-level fields an apply carries that no manager owns.
_UNOWNED_TOP = frozenset({"apiVersion", "kind"})
#: Identity fields of metadata, never in a managedFields entry.
_UNOWNED_METADATA = frozenset({"name", "namespace", "resourceVersion", "uid"})


def applied_paths(body: Mapping[str, Any]) -> set[Path]:
    """The paths an apply of `body` sets: leaves, and lists as a whole."""
    found: set[Path] = set()
    for key, value in body.items():
        if key in _UNOWNED_TOP:
            continue
        if key == "metadata" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k not in _UNOWNED_METADATA}
            if not value:
                continue
        found.update(_under(str(key), value))
    return found


def _under(key: str, value: Any) -> Iterator[Path]:
    if isinstance(value, Mapping) and value:
        for path in _leaves(value):
            yield (key, *path)
    else:
        yield (key,)


def _leaves(mapping: Mapping[str, Any]) -> Iterator[Path]:
    for key, value in mapping.items():
        yield from _under(str(key), value)


def owned_paths(fields_v1: Mapping[str, Any]) -> set[Path]:
    """The paths a managedFields entry owns: `f:` names, cut at list items, `.` as its parent."""
    found: set[Path] = set()

    def walk(node: Mapping[str, Any], prefix: Path) -> None:
        for key, child in node.items():
            if key.startswith("f:"):
                path = (*prefix, key[2:])
                if isinstance(child, Mapping) and child:
                    walk(child, path)
                else:
                    found.add(path)
            elif prefix:  # ".", or an item of a list or set: the field holding it
                found.add(prefix)

    walk(fields_v1, ())
    return found


def _prefixes(paths: set[Path]) -> set[Path]:
    return {path[:end] for path in paths for end in range(1, len(path) + 1)}


def _overlap(ours: set[Path], theirs: set[Path]) -> bool:
    """One path of either is a prefix of (or equal to) a path of the other."""
    return bool(ours & _prefixes(theirs)) or bool(theirs & _prefixes(ours))


def may_conflict(body: Mapping[str, Any], live: Mapping[str, Any], field_manager: str) -> bool:
    """False only when applying `body` as `field_manager` cannot conflict with `live`'s owners."""
    entries = (live.get("metadata") or {}).get("managedFields")
    if not isinstance(entries, list) or not entries:
        return True  # nothing to reason from: let the server say
    ours = applied_paths(body)
    for entry in entries:
        if not isinstance(entry, Mapping):
            return True
        own = (
            entry.get("manager") == field_manager
            and entry.get("operation") == "Apply"
            and not entry.get("subresource")
        )
        if own:
            continue
        fields = entry.get("fieldsV1")
        if not isinstance(fields, Mapping):
            return True
        if _overlap(ours, owned_paths(fields)):
            return True
    return False

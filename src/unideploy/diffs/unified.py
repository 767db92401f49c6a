"""Unified text diffs of normalised objects, and the report value a diff command returns.

Objects are printed as YAML with sorted keys so that equal objects print equally and a change
shows as the few lines it touches.
"""

from __future__ import annotations

import difflib
import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

from unideploy.diffs.normalize import normalize

_DUMPERS = threading.local()


def to_yaml(obj: Mapping[str, Any]) -> str:
    """Deterministic YAML text of `obj` (keys sorted)."""
    yaml: YAML | None = getattr(_DUMPERS, "yaml", None)
    if yaml is None:  # one per thread: building one searches the plug-in folders every time
        yaml = _DUMPERS.yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(_sorted(obj), stream)
    return stream.getvalue()


def same(left: Any, right: Any) -> bool:
    """Equal values of equal types all the way down (`1`, `1.0` and `true` differ, as in YAML)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


@dataclass(frozen=True)
class ObjectDiff:
    """One object: created, changed, or unchanged, with the unified diff text."""

    key: str
    action: str  # create | update | unchanged
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"object": self.key, "action": self.action, "diff": self.text}


def compare(key: str, live: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> ObjectDiff:
    """Diff live against desired (both normalised here); None live means it would be created."""
    wanted = normalize(desired)
    if live is None:
        after = to_yaml(wanted).splitlines(keepends=True)
        text = "".join(difflib.unified_diff([], after, "(absent)", key))
        return ObjectDiff(key, "create", text)
    found = normalize(live)
    if same(found, wanted):  # most objects of a diff: no YAML printed for them
        return ObjectDiff(key, "unchanged")
    after = to_yaml(wanted).splitlines(keepends=True)
    before = to_yaml(found).splitlines(keepends=True)
    if before == after:
        return ObjectDiff(key, "unchanged")
    text = "".join(difflib.unified_diff(before, after, f"{key} (live)", f"{key} (desired)"))
    return ObjectDiff(key, "update", text)


@dataclass(frozen=True)
class ReleaseDiff:
    """Every object of one release compared with the cluster."""

    release: str
    namespace: str
    objects: tuple[ObjectDiff, ...] = ()
    error: str | None = None
    #: Fields another field manager owns (object, field, manager, operation, live, desired).
    conflicts: tuple[Mapping[str, Any], ...] = ()
    #: Per object, the fields left to others (applied with their live values, never diffed).
    left: tuple[Mapping[str, Any], ...] = ()

    @property
    def changed(self) -> tuple[ObjectDiff, ...]:
        """The objects that would be created or updated."""
        return tuple(obj for obj in self.objects if obj.action != "unchanged")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (unchanged objects are counted, not listed)."""
        return {
            "release": self.release,
            "namespace": self.namespace,
            "changes": [obj.to_dict() for obj in self.changed],
            "unchanged": len(self.objects) - len(self.changed),
            "error": self.error,
            "conflicts": [dict(c) for c in self.conflicts],
            "left_to_others": [dict(item) for item in self.left],
        }


@dataclass(frozen=True)
class StackDiff:
    """The diff of a whole environment: Terraform plans and Helm releases."""

    environment: str
    terraform: tuple[Mapping[str, Any], ...] = ()
    releases: tuple[ReleaseDiff, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    complete: bool = True

    @property
    def has_changes(self) -> bool:
        """True when applying would change anything."""
        return any(plan.get("has_changes") for plan in self.terraform) or any(
            release.changed or release.error or release.conflicts for release in self.releases
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "environment": self.environment,
            "has_changes": self.has_changes,
            "terraform": [dict(plan) for plan in self.terraform],
            "releases": [release.to_dict() for release in self.releases],
            "notes": list(self.notes),
            "complete": self.complete,
        }

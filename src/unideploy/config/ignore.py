"""User rules for differences that are not drift, in Argo CD's `ignoreDifferences` shape.

Read from `ignore-differences.yaml` beside stack.yaml (or `--ignore-file`). `drift` skips the
fields they name; the Argo CD renderer copies them into every Application so both agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.config.yamlsafe import load_yaml_file
from unideploy.errors import ConfigError, SourceLocation

DEFAULT_FILE = "ignore-differences.yaml"
_KEYS = {"group", "kind", "name", "namespace", "jsonPointers", "managedFieldsManagers"}


@dataclass(frozen=True)
class IgnoreRule:
    """Fields to ignore on the objects a rule selects (None selects any)."""

    kind: str | None = None
    group: str | None = None
    name: str | None = None
    namespace: str | None = None
    json_pointers: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()

    def selects(self, obj: Mapping[str, Any]) -> bool:
        """True when this rule applies to `obj`."""
        api_version = str(obj.get("apiVersion", ""))
        group = api_version.split("/", 1)[0] if "/" in api_version else ""
        meta = obj.get("metadata") or {}
        return all(
            want is None or want == have
            for want, have in (
                (self.kind, obj.get("kind")),
                (self.group, group),
                (self.name, meta.get("name")),
                (self.namespace, meta.get("namespace")),
            )
        )

    def to_argocd(self) -> dict[str, Any]:
        """The rule as an Argo CD `ignoreDifferences` entry."""
        entry: dict[str, Any] = {"kind": self.kind or "*", "group": self.group or "*"}
        if self.name:
            entry["name"] = self.name
        if self.namespace:
            entry["namespace"] = self.namespace
        if self.json_pointers:
            entry["jsonPointers"] = list(self.json_pointers)
        if self.managers:
            entry["managedFieldsManagers"] = list(self.managers)
        return entry


def load_rules(stack_root: Path, path: Path | None = None) -> tuple[IgnoreRule, ...]:
    """The rules of `path` (default: ignore-differences.yaml beside stack.yaml, if present)."""
    source = path if path is not None else stack_root / DEFAULT_FILE
    if not source.is_file():
        if path is not None:
            raise ConfigError(f"--ignore-file {path} does not exist", hint="check the path")
        return ()
    data, positions = load_yaml_file(source, source.name)
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ConfigError(
            "ignore rules must be a list of {kind, group, name, namespace, jsonPointers, "
            "managedFieldsManagers}",
            location=SourceLocation(source.name, 1, 1),
        )
    rules = []
    for index, entry in enumerate(data):
        unknown = set(entry) - _KEYS if isinstance(entry, dict) else {"(not a mapping)"}
        if unknown:
            raise ConfigError(
                f"unknown key(s) in ignore rule: {', '.join(sorted(unknown))}",
                hint="allowed: " + ", ".join(sorted(_KEYS)),
                location=positions.locate((index,)),
            )
        pointers = tuple(str(p) for p in entry.get("jsonPointers") or ())
        bad = [p for p in pointers if not p.startswith("/")]
        if bad:
            raise ConfigError(
                f"json pointer {bad[0]!r} must start with /",
                hint="e.g. /spec/replicas or /data/some.key (~1 for / inside a key)",
                location=positions.locate((index, "jsonPointers")),
            )
        rules.append(
            IgnoreRule(
                kind=entry.get("kind"),
                group=entry.get("group"),
                name=entry.get("name"),
                namespace=entry.get("namespace"),
                json_pointers=pointers,
                managers=tuple(str(m) for m in entry.get("managedFieldsManagers") or ()),
            )
        )
    return tuple(rules)


def pointer(path: tuple[str | int, ...]) -> str:
    """A JSON pointer for a path of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)

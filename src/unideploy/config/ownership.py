"""Which fields of a rendered object belong to someone else: `leaveToOthers` and autoscalers.

Pure. Deploy, diff, drift and remediation all ask this one module, so a field left to another
field manager (a `kubectl scale`, an HPA or KEDA ScaledObject's replicas) is treated alike
everywhere: deploy keeps its live value (no conflict, no change), diff and drift never show it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from unideploy.config.model import Release

Path = tuple[str, ...]
#: (kind, namespace, name) of a workload an autoscaler scales.
Target = tuple[str, str, str]
REPLICAS: Path = ("spec", "replicas")
#: Kinds whose `spec.scaleTargetRef` names the workload they scale (KEDA's defaults to Deployment).
AUTOSCALERS = {"HorizontalPodAutoscaler": None, "ScaledObject": "Deployment"}
SCALED_KINDS = frozenset({"Deployment", "StatefulSet"})
_ABSENT = object()


def autoscaler_targets(objects: Iterable[Mapping[str, Any]], namespace: str) -> set[Target]:
    """The workloads the HPAs and ScaledObjects among `objects` scale."""
    found: set[Target] = set()
    for obj in objects:
        kind = str(obj.get("kind"))
        if kind not in AUTOSCALERS:
            continue
        ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        target_kind = ref.get("kind") or AUTOSCALERS[kind]
        meta = obj.get("metadata") or {}
        if target_kind and ref.get("name"):
            found.add((str(target_kind), str(meta.get("namespace") or namespace), str(ref["name"])))
    return found


def parse_path(text: str) -> Path:
    """`spec.replicas` or `.spec.replicas` → ("spec", "replicas")."""
    return tuple(part for part in text.strip().lstrip(".").split(".") if part)


def left_paths(
    release: Release, manifest: Mapping[str, Any], autoscaled: set[Target]
) -> tuple[Path, ...]:
    """The fields of `manifest` left to others: configured ones, and an autoscaler's replicas."""
    kind = str(manifest.get("kind"))
    meta = manifest.get("metadata") or {}
    name = str(meta.get("name"))
    namespace = str(meta.get("namespace") or release.namespace)
    paths: list[Path] = []
    if kind in SCALED_KINDS and (kind, namespace, name) in autoscaled:
        paths.append(REPLICAS)
    for entry in release.leave_to_others:
        if entry.kind == kind and entry.name == name:
            paths.extend(parse_path(text) for text in entry.fields)
    return tuple(dict.fromkeys(p for p in paths if p))


def covers(paths: Iterable[Path], field: tuple[str | int, ...]) -> bool:
    """True when `field` (a live path, list indexes as ints) is, or is inside, one of `paths`."""
    return any(field[: len(path)] == path for path in paths)


def value_at(obj: Mapping[str, Any], path: Path) -> Any:
    """The value at `path`, or `_ABSENT` (see `present`)."""
    node: Any = obj
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def present(value: Any) -> bool:
    """True unless `value` is `value_at`'s marker for a missing field."""
    return value is not _ABSENT


def keep_live(
    manifest: Mapping[str, Any], live: Mapping[str, Any] | None, paths: Iterable[Path]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`manifest` with each left field set to its live value; also {dotted path: live value}.

    Applying the live value changes nothing and only shares the field with its owner, so the
    apply meets no conflict. A field the live object lacks (or no live object) keeps the chart's.
    """
    wanted = list(paths)
    kept: dict[str, Any] = {}
    if live is None or not wanted:  # nothing to pin (nearly always): the manifest as it is
        return dict(manifest), kept
    result = copy.deepcopy(dict(manifest))
    for path in wanted:
        value = value_at(live, path)
        if not present(value) or not present(value_at(result, path[:-1])):
            continue
        parent = value_at(result, path[:-1])
        if isinstance(parent, dict):
            parent[path[-1]] = copy.deepcopy(value)
            kept[".".join(path)] = value
    return result, kept


def pin_left(
    release: Release,
    manifest: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    autoscaled: set[Target],
) -> dict[str, Any]:
    """`manifest` with its fields left to others set to their live values (drift, remediation).

    Compared with the live object such a field never differs, and re-applied it changes nothing.
    """
    return keep_live(manifest, live, left_paths(release, manifest, autoscaled))[0]

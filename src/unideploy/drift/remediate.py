"""Repair drift on request: re-apply drifted/missing objects, strip hand-added keys, prune extras.

What is re-applied is the object as Helm recorded it for the release's last deployed revision
(never a fresh render: a generated password would change), with what Helm adds at install time
(release annotations, `app.kubernetes.io/managed-by`), by server-side apply as the field manager
Helm deployed it with. Fields that were not edited hold the recorded values already, so only the
drifted fields change. A field another manager took over is a conflict that is reported, and
overwritten only with `force` (`left_to_others` names fields never to take back). Keys and list
items added by hand are removed with a JSON patch guarded by `test` ops. Only `prune` deletes.
An object a GitOps controller (Flux, Argo CD) applies is left to that controller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unideploy.drift.model import DriftReport, ObjectDrift
from unideploy.engines.helm.fieldmanager import as_helm_applies
from unideploy.engines.kube.apply import FIELD_MANAGER, server_side_apply
from unideploy.engines.kube.objects import delete_object, json_patch
from unideploy.errors import EngineError

#: The release's recorded objects (Helm's manifest of its last deployed revision), by release key.
Recorded = Callable[[str], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Repair:
    """What was done to one object: applied, created, cleaned, pruned, conflict, failed, kept, left.

    `left`: a GitOps controller applies the object; it is that controller's to correct.
    """

    key: str
    action: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when the object is now as desired (or deliberately left, for extras)."""
        return self.action not in ("conflict", "failed")

    def to_dict(self) -> dict[str, str]:
        """JSON-ready."""
        return {"object": self.key, "action": self.action, "detail": self.detail}


def remediate(
    api: Any,
    report: DriftReport,
    *,
    recorded: Recorded | None = None,
    force_conflicts: bool = False,
    prune: bool = False,
) -> list[Repair]:
    """Repair every object of `report`; extras are deleted only with `prune`.

    Objects are applied as `recorded` holds them (the rendered desired object when None) by the
    field manager Helm deployed them with (found on the live objects; ours when none is),
    carrying what Helm adds: the next deploy upgrades them without conflicts, and Helm adopts
    an object that had to be re-created.
    """
    repairs = []
    manifests: dict[str, Sequence[Mapping[str, Any]]] = {}
    for drift in report.objects:
        if drift.owner is not None:  # its GitOps controller applies it: a repair would fight it
            repairs.append(Repair(drift.key, "left", f"to {drift.owner.describe()}"))
            continue
        manager = report.managers.get(drift.release, FIELD_MANAGER)
        try:
            source = None
            if recorded is not None and drift.state != "extra":
                if drift.release not in manifests:
                    manifests[drift.release] = recorded(drift.release)
                source = manifests[drift.release]
            repairs.append(_repair(api, drift, manager, force_conflicts, prune, source))
        except EngineError as exc:
            repairs.append(Repair(drift.key, "failed", exc.message))
    return repairs


def recorded_object(
    manifests: Sequence[Mapping[str, Any]], desired: Mapping[str, Any], namespace: str
) -> dict[str, Any] | None:
    """The recorded twin of `desired` (same apiVersion group, kind, name and namespace)."""
    meta = desired.get("metadata") or {}
    wanted = (desired.get("kind"), meta.get("name"), meta.get("namespace") or namespace)
    for obj in manifests:
        found = obj.get("metadata") or {}
        if (obj.get("kind"), found.get("name"), found.get("namespace") or namespace) == wanted:
            return {**obj, "metadata": {**found, "namespace": found.get("namespace") or namespace}}
    return None


def _repair(
    api: Any,
    drift: ObjectDrift,
    manager: str,
    force: bool,
    prune: bool,
    recorded: Sequence[Mapping[str, Any]] | None,
) -> Repair:
    if drift.state == "extra":
        if not prune:
            return Repair(drift.key, "kept", "no longer desired; --prune deletes it")
        assert drift.live is not None
        done, why = delete_object(api, drift.live)
        return Repair(drift.key, "pruned" if done else "failed", why)
    assert drift.desired is not None
    extras = [f for f in drift.fields if f.extra]
    if extras and drift.live is not None:
        done, why = json_patch(api, drift.live, _removals(extras))
        if not done:
            return Repair(drift.key, "failed", f"removing hand-added fields: {why}")
    if drift.state == "drifted" and len(extras) == len(drift.fields):
        return Repair(drift.key, "cleaned", ", ".join(f.shown for f in extras))
    release_namespace, release = drift.release.split("/", 1)
    source: Mapping[str, Any] = drift.desired
    if recorded is not None:
        twin = recorded_object(recorded, drift.desired, release_namespace)
        if twin is None:
            why = "not in the release's last deployed manifest; a deploy creates it"
            return Repair(drift.key, "failed", why)
        source = twin
    body = as_helm_applies(source, release, release_namespace)
    namespace = body["metadata"].get("namespace")
    answer = server_side_apply(
        api, body, namespace=namespace, dry_run=False, force=force, field_manager=manager
    )
    if answer.conflict:
        return Repair(
            drift.key, "conflict", f"{answer.reason} (--force-conflicts takes the fields back)"
        )
    if answer.obj is None:
        return Repair(drift.key, "failed", f"HTTP {answer.status} {answer.reason}")
    action = "created" if drift.state == "missing" else "applied"
    return Repair(drift.key, action, f"as field manager {manager}")


def _removals(extras: list[Any]) -> list[dict[str, Any]]:
    """`test` + `remove` per field; list items from the highest index down."""
    ordered = sorted(
        extras, key=lambda f: tuple(p if isinstance(p, int) else -1 for p in f.path), reverse=True
    )
    operations: list[dict[str, Any]] = []
    for field in ordered:
        operations.append({"op": "test", "path": field.pointer, "value": field.live})
        operations.append({"op": "remove", "path": field.pointer})
    return operations

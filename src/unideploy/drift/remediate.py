"""Repair drift on request: re-apply drifted/missing objects, strip hand-added keys, prune extras.

Server-side apply as the deploy's field manager, so a field another manager took over is a
conflict that is reported, and overwritten only with `force`. Keys and list items added by hand
are removed with a JSON patch guarded by `test` ops. Only `prune` deletes objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unideploy.drift.model import DriftReport, ObjectDrift
from unideploy.engines.kube.apply import FIELD_MANAGER, server_side_apply
from unideploy.engines.kube.client import CLUSTER_SCOPED
from unideploy.engines.kube.objects import delete_object, json_patch
from unideploy.errors import EngineError


@dataclass(frozen=True)
class Repair:
    """What was done to one object: applied, created, cleaned, pruned, conflict, failed, kept."""

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
    api: Any, report: DriftReport, *, force_conflicts: bool = False, prune: bool = False
) -> list[Repair]:
    """Repair every object of `report`; extras are deleted only with `prune`.

    Objects are applied as the field manager Helm deployed them with (found on the live
    objects; ours when none is), carrying Helm's release annotations: the next deploy then
    upgrades them without conflicts, and Helm adopts an object that had to be re-created.
    """
    repairs = []
    for drift in report.objects:
        manager = report.managers.get(drift.release, FIELD_MANAGER)
        try:
            repairs.append(_repair(api, drift, manager, force_conflicts, prune))
        except EngineError as exc:
            repairs.append(Repair(drift.key, "failed", exc.message))
    return repairs


def _repair(api: Any, drift: ObjectDrift, manager: str, force: bool, prune: bool) -> Repair:
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
    kind = str(drift.desired.get("kind"))
    meta = drift.desired.get("metadata") or {}
    namespace = None if kind in CLUSTER_SCOPED else meta.get("namespace")
    release_namespace, release = drift.release.split("/", 1)
    annotations = {
        **(meta.get("annotations") or {}),
        "meta.helm.sh/release-name": release,
        "meta.helm.sh/release-namespace": release_namespace,
    }
    body = {**drift.desired, "metadata": {**meta, "annotations": annotations}}
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

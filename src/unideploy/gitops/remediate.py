"""Repair drift on request: re-apply drifted/missing objects, strip hand-added keys, prune extras.

Server-side apply under our field manager, so a field another manager took over is a conflict
that is reported, and overwritten only with `force`. Keys and list items added by hand are removed
with a JSON patch guarded by `test` ops (nothing else is touched). Only `prune` deletes objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube import CLUSTER_SCOPED
from unideploy.engines.kube_apply import server_side_apply
from unideploy.errors import EngineError
from unideploy.gitops.drift_model import DriftReport, ObjectDrift
from unideploy.gitops.live import delete_object, json_patch


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
    """Repair every object of `report`; extras are deleted only with `prune`."""
    repairs = []
    for drift in report.objects:
        try:
            repairs.append(_repair(api, drift, force_conflicts, prune))
        except EngineError as exc:
            repairs.append(Repair(drift.key, "failed", exc.message))
    return repairs


def _repair(api: Any, drift: ObjectDrift, force: bool, prune: bool) -> Repair:
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
    answer = server_side_apply(
        api, dict(drift.desired), namespace=namespace, dry_run=False, force=force
    )
    if answer.conflict:
        return Repair(
            drift.key, "conflict", f"{answer.reason} (--force-conflicts takes the fields back)"
        )
    if answer.obj is None:
        return Repair(drift.key, "failed", f"HTTP {answer.status} {answer.reason}")
    return Repair(drift.key, "created" if drift.state == "missing" else "applied")


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

"""The values drift produces: per-object drift, Terraform drift, the report, and their JSON form.

Frozen values; Secret values are redacted whenever a field is shown (the fingerprint changes when
the value changes, the value never prints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unideploy.diffs.normalize import redact_value
from unideploy.drift.compare import MISSING, FieldDrift
from unideploy.drift.gitops_owner import GitOpsOwner
from unideploy.engines.terraform.model import PlanSummary

SECRET_FIELDS = ("data", "stringData")


@dataclass(frozen=True)
class ObjectDrift:
    """One object that is not as desired: `drifted` (fields), `missing`, or `extra`."""

    release: str
    key: str
    state: str
    fields: tuple[FieldDrift, ...]
    desired: dict[str, Any] | None
    live: dict[str, Any] | None
    #: The GitOps controller that keeps the object in sync (then it, not us, repairs it).
    owner: GitOpsOwner | None = None

    @property
    def is_secret(self) -> bool:
        """True for Secrets, whose values are never shown."""
        return self.key.startswith("Secret ")

    def shown(self, drift: FieldDrift, value: Any) -> Any:
        """A field value fit for printing."""
        if value is MISSING:
            return None
        if self.is_secret and drift.path and drift.path[0] in SECRET_FIELDS:
            return redact_value(value)
        return value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "release": self.release,
            "object": self.key,
            "state": self.state,
            "fields": [
                {
                    "path": drift.shown,
                    "pointer": drift.pointer,
                    "live": self.shown(drift, drift.live),
                    "desired": self.shown(drift, drift.desired),
                    "extra": drift.extra,
                }
                for drift in self.fields
            ],
            "managed_by": None if self.owner is None else self.owner.to_dict(),
        }


@dataclass(frozen=True)
class TerraformDrift:
    """One module's plan against its state (None with a note when it could not be planned)."""

    module: str
    plan: PlanSummary | None
    note: str
    #: The refresh-only plan: resources changed outside Terraform since the last apply.
    outside: PlanSummary | None = None

    @property
    def drifted(self) -> bool:
        """True when something changed outside Terraform, or applying would change something."""
        changed_outside = self.outside is not None and bool(self.outside.resources)
        return changed_outside or (self.plan is not None and self.plan.has_changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (sensitive values already redacted by the engine)."""
        plan = self.plan
        return {
            "module": self.module,
            "drifted": self.drifted,
            "note": self.note,
            "changed_outside_terraform": []
            if self.outside is None
            else [{"address": r.address, "action": r.action} for r in self.outside.resources],
            "resources": []
            if plan is None
            else [
                {"address": r.address, "action": r.action}
                for r in plan.resources
                if r.action != "no-op"
            ],
        }


@dataclass(frozen=True)
class DriftReport:
    """Everything not as desired in one environment."""

    environment: str
    objects: tuple[ObjectDrift, ...]
    checked: int
    terraform: tuple[TerraformDrift, ...] = ()
    #: Per release (namespace/name): the field manager Helm applied its objects with.
    managers: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_drift(self) -> bool:
        """True when any object or Terraform module drifted."""
        return bool(self.objects) or any(t.drifted for t in self.terraform)

    @property
    def incomplete(self) -> list[str]:
        """Modules that could not be checked (why, per module)."""
        return [f"terraform {t.module}: {t.note}" for t in self.terraform if t.plan is None]

    def count(self, state: str) -> int:
        """How many objects are in `state`."""
        return sum(1 for o in self.objects if o.state == state)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "environment": self.environment,
            "checked": self.checked,
            "drift": self.has_drift,
            "summary": {s: self.count(s) for s in ("drifted", "missing", "extra")},
            "objects": [o.to_dict() for o in self.objects],
            "terraform": [t.to_dict() for t in self.terraform],
            "field_managers": dict(self.managers),
        }

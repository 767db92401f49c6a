"""`--maintenance-mode`: what changes for a run marked as maintenance (the helm phase asks here).

The run is flagged `maintenance` (history, audit log, metrics set deployment_maintenance to 1 while
it runs, so alerts stay quiet), and releases of the `applications` tier that do not become ready
end WARNED and stay in place instead of failing the run and being rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unideploy.execute.result import Status
from unideploy.execute.step import Outcome

TOLERANT_TIERS = frozenset({"applications"})
FLAG = "maintenance"


def maintenance_flags(maintenance: bool) -> dict[str, Any]:
    """The run flags recording maintenance mode (merge into the request's flags)."""
    return {FLAG: bool(maintenance)}


def is_maintenance(flags: Mapping[str, Any]) -> bool:
    """True when a run's flags mark it as a maintenance run."""
    return bool(flags.get(FLAG))


def tolerates_unready(tier: str, maintenance: bool) -> bool:
    """True when a release of `tier` that is not ready should warn rather than fail."""
    return maintenance and tier in TOLERANT_TIERS


def unready_warning(summary: str, details: Mapping[str, Any]) -> Outcome:
    """The outcome of a release that is not ready during maintenance: WARNED, left in place."""
    return Outcome(
        Status.WARNED,
        f"not ready: {summary} (maintenance mode: reported as a warning, release left in place)",
        {**details, "maintenance_tolerated": True},
    )


def readiness_outcome(outcome: Outcome, tier: str, maintenance: bool) -> Outcome:
    """Turn a readiness failure of a tolerant tier into a warning during maintenance.

    For call sites that only see the final outcome: a FAILED outcome whose reason starts with
    "not ready" becomes WARNED; everything else passes through unchanged.
    """
    reason = outcome.reason or ""
    if (
        outcome.status is Status.FAILED
        and reason.startswith("not ready")
        and (tolerates_unready(tier, maintenance))
    ):
        return unready_warning(reason.removeprefix("not ready: "), outcome.details)
    return outcome

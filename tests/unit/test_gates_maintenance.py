"""Maintenance mode: unready applications warn instead of failing; the run is flagged."""

from __future__ import annotations

import pytest

from unideploy.execute.maintenance import (
    is_maintenance,
    maintenance_flags,
    readiness_outcome,
    tolerates_unready,
    unready_warning,
)
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome

pytestmark = pytest.mark.clock


@pytest.mark.parametrize(
    ("tier", "maintenance", "expected"),
    [
        ("applications", True, True),
        ("applications", False, False),
        ("monitoring", True, False),
        ("infrastructure", True, False),
    ],
)
def test_only_applications_are_tolerated_and_only_in_maintenance(
    tier: str, maintenance: bool, expected: bool
) -> None:
    assert tolerates_unready(tier, maintenance) is expected


def test_an_unready_application_warns_and_keeps_its_details() -> None:
    outcome = unready_warning("web: 1/3 replicas ready", {"revision": 4})

    assert outcome.status is Status.WARNED
    assert outcome.reason is not None and outcome.reason.startswith("not ready: web: 1/3")
    assert "maintenance mode" in outcome.reason
    assert outcome.details == {"revision": 4, "maintenance_tolerated": True}


def test_readiness_failures_become_warnings_only_where_tolerated() -> None:
    failed = Outcome(Status.FAILED, "not ready: web: 0/1 replicas ready", {"revision": 2})
    other = Outcome(Status.FAILED, "upgrade failed: chart invalid", {})

    assert readiness_outcome(failed, "applications", True).status is Status.WARNED
    assert readiness_outcome(failed, "applications", False) is failed
    assert readiness_outcome(failed, "monitoring", True) is failed
    assert readiness_outcome(other, "applications", True) is other


def test_the_run_flags_record_maintenance() -> None:
    assert is_maintenance(maintenance_flags(True)) is True
    assert is_maintenance(maintenance_flags(False)) is False
    assert is_maintenance({}) is False

"""RunResult values: JSON round trip, step lookup, exit codes, sortable run IDs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from unideploy.execute.result import (
    PhaseResult,
    RunResult,
    StackRevision,
    Status,
    StepResult,
    new_run_id,
)
from unideploy.exitcodes import ExitCode

pytestmark = pytest.mark.clock

T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


def _run(status: Status) -> RunResult:
    step = StepResult(
        id="helm/grafana",
        phase="helm",
        status=Status.CHANGED,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=2.5),
        attempts=2,
        plan_hash="sha256:abc",
        details={"revision": 7, "chart": "grafana-8.4.2"},
    )
    phase = PhaseResult("helm", Status.CHANGED, None, T0, T0 + timedelta(seconds=3), (step,))
    return RunResult(
        run_id=new_run_id(),
        environment="staging",
        status=status,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=4),
        user="alice@laptop",
        revision=StackRevision("0123456789abcdef", dirty=True),
        plan_hash="sha256:plan",
        flags={"parallel": 4, "dry_run": False},
        phases=(phase,),
    )


def test_round_trip_through_json() -> None:
    run = _run(Status.CHANGED)
    again = RunResult.from_dict(json.loads(json.dumps(run.to_dict())))
    assert again == run
    assert again.step("helm/grafana").details["revision"] == 7
    assert again.step("helm/grafana").duration == 2.5
    assert str(again.revision) == "0123456789ab+dirty"
    assert again.plan_hash == "sha256:plan"


def test_unknown_step_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="helm/grafana"):
        _run(Status.CHANGED).step("helm/loki")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Status.SUCCEEDED, ExitCode.OK),
        (Status.UNCHANGED, ExitCode.OK),
        (Status.WARNED, ExitCode.OK),
        (Status.FAILED, ExitCode.FAILED),
        (Status.INTERRUPTED, ExitCode.INTERRUPTED),
    ],
)
def test_exit_codes(status: Status, code: ExitCode) -> None:
    assert _run(status).exit_code is code


def test_run_ids_sort_by_creation() -> None:
    ids = [new_run_id() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 36 and i[14] == "7" for i in ids)


def test_details_are_read_only() -> None:
    step = _run(Status.CHANGED).step("helm/grafana")
    with pytest.raises(TypeError):
        step.details["revision"] = 8  # type: ignore[index]

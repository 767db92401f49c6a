"""Deployment metrics against a real Pushgateway on 127.0.0.1 (Debian prometheus-pushgateway)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.support.pushgateway import free_port
from tests.support.pushgateway import get as _get

from unideploy.execute.result import PhaseResult, RunResult, StackRevision, Status
from unideploy.observe.delivery import parse_text
from unideploy.observe.metrics import PriorRuns, publish_run, publish_started

pytestmark = pytest.mark.clock


def run(status: Status, finished: datetime, *, run_id: str, seconds: float = 42.0) -> RunResult:
    started = finished - timedelta(seconds=seconds)
    phase = PhaseResult("helm", status, started_at=started, finished_at=finished)
    return RunResult(
        run_id=run_id,
        environment="staging",
        status=status,
        started_at=started,
        finished_at=finished,
        revision=StackRevision("a" * 40, False),
        phases=(phase,),
    )


def gateway_value(url: str, name: str, **labels: str) -> float | None:
    table = parse_text(_get(f"{url}/metrics"), only={"job": "unideploy", **labels})
    return table.value_or_none(name, labels)


def test_two_runs_count_to_two_and_show_the_second_timestamp(pushgateway: str) -> None:
    first = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    second = first + timedelta(hours=3)

    assert (
        publish_run(
            run(Status.SUCCEEDED, first, run_id="r1"), pushgateway=pushgateway, textfile=None
        )
        == []
    )
    assert (
        publish_run(
            run(Status.CHANGED, second, run_id="r2"), pushgateway=pushgateway, textfile=None
        )
        == []
    )

    assert gateway_value(pushgateway, "deployment_success_total", environment="staging") == 2
    assert gateway_value(pushgateway, "deployment_failure_total", environment="staging") == 0
    stamp = gateway_value(pushgateway, "deployment_last_success_timestamp", environment="staging")
    assert stamp == second.timestamp()
    assert (
        gateway_value(
            pushgateway, "deployment_duration_seconds", environment="staging", phase="total"
        )
        == 42.0
    )


def test_a_failure_keeps_the_last_success_and_counts_separately(pushgateway: str) -> None:
    ok_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    publish_run(run(Status.SUCCEEDED, ok_at, run_id="r1"), pushgateway=pushgateway, textfile=None)
    publish_run(
        run(Status.FAILED, ok_at + timedelta(hours=1), run_id="r2"),
        pushgateway=pushgateway,
        textfile=None,
    )

    assert gateway_value(pushgateway, "deployment_success", environment="staging") == 0
    assert gateway_value(pushgateway, "deployment_success_total", environment="staging") == 1
    assert gateway_value(pushgateway, "deployment_failure_total", environment="staging") == 1
    assert (
        gateway_value(pushgateway, "deployment_last_success_timestamp", environment="staging")
        == ok_at.timestamp()
    )


def test_history_counts_carry_over_a_restarted_gateway(pushgateway: str) -> None:
    # The gateway is empty (as after a restart without persistence); history knows 5 + 2 runs.
    at = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    prior = PriorRuns(successes=5, failures=2, last_success=at.timestamp() - 60)
    publish_run(
        run(Status.SUCCEEDED, at, run_id="r8"),
        pushgateway=pushgateway,
        textfile=None,
        history_counts=prior,
    )

    assert gateway_value(pushgateway, "deployment_success_total", environment="staging") == 6
    assert gateway_value(pushgateway, "deployment_failure_total", environment="staging") == 2


def test_maintenance_is_one_during_the_run_and_zero_after(pushgateway: str) -> None:
    at = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
    publish_run(run(Status.SUCCEEDED, at, run_id="r1"), pushgateway=pushgateway, textfile=None)

    assert (
        publish_started("staging", pushgateway=pushgateway, textfile=None, maintenance=True) == []
    )
    assert gateway_value(pushgateway, "deployment_maintenance", environment="staging") == 1
    assert gateway_value(pushgateway, "deployment_in_progress", environment="staging") == 1
    # Starting a run leaves the counters alone.
    assert gateway_value(pushgateway, "deployment_success_total", environment="staging") == 1

    publish_run(
        run(Status.SUCCEEDED, at + timedelta(minutes=5), run_id="r2"),
        pushgateway=pushgateway,
        textfile=None,
        maintenance=True,
    )
    assert gateway_value(pushgateway, "deployment_maintenance", environment="staging") == 0
    assert gateway_value(pushgateway, "deployment_in_progress", environment="staging") == 0
    assert gateway_value(pushgateway, "deployment_success_total", environment="staging") == 2


def test_environments_are_separate_groups(pushgateway: str) -> None:
    at = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
    publish_run(run(Status.SUCCEEDED, at, run_id="r1"), pushgateway=pushgateway, textfile=None)
    other = RunResult(
        run_id="p1",
        environment="production",
        status=Status.FAILED,
        started_at=at,
        finished_at=at + timedelta(seconds=5),
    )
    publish_run(other, pushgateway=pushgateway, textfile=None)

    assert gateway_value(pushgateway, "deployment_success_total", environment="staging") == 1
    assert gateway_value(pushgateway, "deployment_failure_total", environment="production") == 1
    assert gateway_value(pushgateway, "deployment_success", environment="production") == 0


def test_a_gateway_that_is_down_is_a_warning(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    at = datetime(2026, 11, 6, 8, 0, tzinfo=UTC)
    textfile = tmp_path / "deploy.prom"

    warnings = publish_run(
        run(Status.SUCCEEDED, at, run_id="r1"), pushgateway=url, textfile=textfile, timeout=2
    )

    assert len(warnings) == 2  # could not read the counters, could not push
    assert all(url in w for w in warnings)
    assert "not pushed" in warnings[1]
    # The textfile is still written.
    assert (
        parse_text(textfile.read_text()).value(
            "deployment_success_total", {"environment": "staging"}
        )
        == 1
    )

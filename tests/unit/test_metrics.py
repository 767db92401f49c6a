"""Deployment metrics without a Pushgateway: samples, counters across runs, the textfile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from unideploy.execute.events import RunFinished, RunStarted
from unideploy.execute.result import PhaseResult, RunResult, Status
from unideploy.observe.delivery import SampleTable, parse_text
from unideploy.observe.metrics import (
    MetricsListener,
    PriorRuns,
    prior_runs,
    publish_run,
    run_samples,
)
from unideploy.records.history import History
from unideploy.security.certs.expiry import CertResult
from unideploy.security.certs.expiry import Status as CertStatus
from unideploy.security.x509info import CertFacts

pytestmark = pytest.mark.clock

AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def make_run(
    run_id: str,
    status: Status = Status.SUCCEEDED,
    *,
    environment: str = "staging",
    finished: datetime = AT,
    dry_run: bool = False,
) -> RunResult:
    started = finished - timedelta(seconds=100)
    phases = (
        PhaseResult(
            "preflight",
            Status.SUCCEEDED,
            started_at=started,
            finished_at=started + timedelta(seconds=4),
        ),
        PhaseResult("terraform", Status.SKIPPED, reason="--skip-terraform"),
        PhaseResult(
            "helm:applications",
            status,
            started_at=started + timedelta(seconds=4),
            finished_at=finished,
        ),
    )
    return RunResult(
        run_id=run_id,
        environment=environment,
        status=status,
        started_at=started,
        finished_at=finished,
        flags={"dry_run": dry_run},
        phases=phases,
    )


def value(table: SampleTable, name: str, **labels: str) -> float | None:
    return table.value_or_none(name, labels)


def test_prior_runs_count_real_finished_runs_except_the_current_one(tmp_path: Path) -> None:
    history = History.for_stack(tmp_path)
    for run in [
        make_run("a", finished=AT),
        make_run("b", Status.FAILED, finished=AT + timedelta(hours=1)),
        make_run("c", Status.INTERRUPTED),
        make_run("d", dry_run=True, finished=AT + timedelta(hours=5)),
        make_run("e", Status.WARNED, finished=AT + timedelta(hours=2)),
        make_run("now", finished=AT + timedelta(hours=3)),
        make_run("elsewhere", environment="production", finished=AT + timedelta(hours=4)),
    ]:
        history.record(run)

    # Counted from what history holds, read without decoding the records.
    prior = prior_runs(history.outcomes("staging"), exclude="now")

    assert (prior.successes, prior.failures) == (2, 2)
    assert prior.last_success == (AT + timedelta(hours=2)).timestamp()


def test_samples_cover_phases_that_ran_and_the_total() -> None:
    table = run_samples(make_run("r1"), PriorRuns(), [])

    assert value(table, "deployment_duration_seconds", phase="total") == 100
    assert value(table, "deployment_duration_seconds", phase="preflight") == 4
    assert value(table, "deployment_duration_seconds", phase="helm:applications") == 96
    assert value(table, "deployment_duration_seconds", phase="terraform") is None
    assert value(table, "deployment_success", environment="staging") == 1
    assert value(table, "deployment_last_success_timestamp") == AT.timestamp()
    assert value(table, "deployment_run_info", run_id="r1", status="succeeded") == 1


def test_counters_continue_from_the_largest_source() -> None:
    gateway = SampleTable({"deployment_success_total": ("counter", "x")})
    gateway.add("deployment_success_total", {"environment": "staging", "job": "unideploy"}, 7)
    history = PriorRuns(successes=4, failures=3, last_success=AT.timestamp() - 10)

    table = run_samples(make_run("r1", Status.FAILED), history, [gateway])

    assert value(table, "deployment_success_total") == 7
    assert value(table, "deployment_failure_total") == 4
    assert value(table, "deployment_success") == 0
    # A failed run keeps the last success that history knows.
    assert value(table, "deployment_last_success_timestamp") == AT.timestamp() - 10


def test_textfile_counts_across_runs_and_keeps_other_environments(tmp_path: Path) -> None:
    path = tmp_path / "deployments.prom"

    for run in (
        make_run("p1", environment="production"),
        make_run("s1", finished=AT),
        make_run("s2", finished=AT + timedelta(hours=1)),
    ):
        assert publish_run(run, pushgateway=None, textfile=path) == []

    text = path.read_text()
    table = parse_text(text)
    assert value(table, "deployment_success_total", environment="staging") == 2
    assert value(table, "deployment_success_total", environment="production") == 1
    stamp = value(table, "deployment_last_success_timestamp", environment="staging")
    assert stamp == (AT + timedelta(hours=1)).timestamp()
    assert list(tmp_path.iterdir()) == [path]  # written through a renamed temporary file
    assert "# TYPE deployment_success gauge" in text
    assert "# TYPE deployment_success_total counter" in text
    assert len(list(text_string_to_metric_families(text))) >= 8


def test_an_unwritable_textfile_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "deployments.prom"

    warnings = publish_run(make_run("r1"), pushgateway=None, textfile=path)

    assert len(warnings) == 1 and "not written" in warnings[0]


def test_a_dry_run_publishes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "deployments.prom"

    assert publish_run(make_run("r1", dry_run=True), pushgateway=None, textfile=path) == []
    assert not path.exists()


def test_certificate_metrics_are_added_per_environment(tmp_path: Path) -> None:
    facts = CertFacts(
        subject="CN=grafana.homelab.local",
        issuer="CN=homelab CA",
        subject_cn="grafana.homelab.local",
        issuer_cn="homelab CA",
        serial_number="0a",
        not_before=AT - timedelta(days=60),
        not_after=AT + timedelta(days=20),
        key_type="RSA",
        key_size=2048,
        signature_hash="sha256",
        self_signed=False,
    )
    cert = CertResult("grafana.homelab.local:443", "endpoint", CertStatus.WARNING, "20 days", facts)
    path = tmp_path / "deployments.prom"

    publish_run(make_run("r1"), pushgateway=None, textfile=path, certificates=[cert], now=AT)

    table = parse_text(path.read_text())
    left = value(table, "x509_cert_expires_in_seconds", environment="staging")
    assert left == timedelta(days=20).total_seconds()
    assert value(table, "x509_cert_not_after", subject_CN="grafana.homelab.local") == (
        facts.not_after.timestamp()
    )


def test_the_listener_marks_maintenance_while_running_and_clears_it(tmp_path: Path) -> None:
    path = tmp_path / "deployments.prom"
    listener = MetricsListener(pushgateway=None, textfile=path, maintenance=True)

    listener(RunStarted(run_id="r1", environment="staging", phases=("helm",)))
    during = parse_text(path.read_text())
    listener(RunFinished(result=make_run("r1")))
    after = parse_text(path.read_text())

    assert value(during, "deployment_maintenance", environment="staging") == 1
    assert value(during, "deployment_in_progress", environment="staging") == 1
    assert value(after, "deployment_maintenance", environment="staging") == 0
    assert value(after, "deployment_in_progress", environment="staging") == 0
    assert value(after, "deployment_success_total", environment="staging") == 1
    assert listener.warnings == []

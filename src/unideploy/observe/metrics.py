"""Deployment metrics of a run for Prometheus: built from a RunResult, sent by `delivery`.

Reads finished (or starting) runs only and never fails a deploy: every delivery problem comes back
as a warning string. History sits beside this module, not below it, so the service passes in the
counts it finds there (`prior_runs`); the collector keeps counters monotonic across runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from unideploy.execute.events import Event, RunFinished, RunStarted
from unideploy.execute.result import OK_STATUSES, RunResult, Status, utcnow
from unideploy.observe.delivery import (
    SampleTable,
    deliver,
    read_gateway,
    read_textfile,
)
from unideploy.records.history import RunOutcome

if TYPE_CHECKING:
    from unideploy.security.certs.expiry import CertResult

LOG = logging.getLogger("unideploy.observe.metrics")
JOB = "unideploy"

FAMILIES: dict[str, tuple[str, str]] = {
    "deployment_duration_seconds": (
        "gauge",
        'Wall time of the last run per phase; phase="total" is the whole run.',
    ),
    "deployment_success": ("gauge", "1 when the last run of the environment succeeded, else 0."),
    "deployment_success_total": ("counter", "Successful runs of the environment, ever."),
    "deployment_failure_total": ("counter", "Failed or interrupted runs of the environment, ever."),
    "deployment_last_success_timestamp": (
        "gauge",
        "Unix time at which the last successful run of the environment finished.",
    ),
    "deployment_maintenance": ("gauge", "1 while a maintenance-mode run is in progress."),
    "deployment_in_progress": ("gauge", "1 while a run of the environment is in progress."),
    "deployment_started_timestamp": ("gauge", "Unix time at which the last run started."),
    "deployment_run_info": (
        "gauge",
        "Always 1; labels name the last run, its revision and status.",
    ),
}
MANAGED_PREFIXES = ("deployment_", "x509_cert_")


@dataclass(frozen=True)
class PriorRuns:
    """What earlier runs of an environment add up to (from history, before this run)."""

    successes: int = 0
    failures: int = 0
    last_success: float | None = None


def is_success(result: RunResult) -> bool:
    """True when the run counts as a successful deployment."""
    return result.status in OK_STATUSES


def is_dry_run(result: RunResult) -> bool:
    """True for a dry run, which changes nothing and is never counted as a deployment."""
    return bool(result.flags.get("dry_run"))


def prior_runs(runs: Iterable[RunOutcome], *, exclude: str | None = None) -> PriorRuns:
    """Count the finished, non-dry runs in `runs` (history outcomes), except run `exclude`."""
    successes = failures = 0
    last: float | None = None
    for run in runs:
        if run.run_id == exclude or run.dry_run or run.status in (Status.PENDING, Status.RUNNING):
            continue
        if run.status in OK_STATUSES:
            successes += 1
            if run.finished_at is not None:
                stamp = run.finished_at.timestamp()
                last = stamp if last is None else max(last, stamp)
        else:
            failures += 1
    return PriorRuns(successes, failures, last)


def _largest(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def run_samples(
    result: RunResult,
    prior: PriorRuns,
    known: Sequence[SampleTable],
    *,
    certificates: Sequence[CertResult] = (),
    now: datetime | None = None,
) -> SampleTable:
    """Every sample describing the finished run `result` (maintenance and in-progress back to 0).

    Counters continue from the largest value any source knows (history, the Pushgateway, the
    textfile), so a restarted Pushgateway or a fresh CI checkout never resets them.
    """
    env = result.environment
    labels = {"environment": env}
    table = SampleTable(FAMILIES)
    for phase in result.phases:
        if phase.status is not Status.SKIPPED:
            table.add(
                "deployment_duration_seconds", {**labels, "phase": phase.name}, phase.duration
            )
    table.add("deployment_duration_seconds", {**labels, "phase": "total"}, result.duration)
    ok = is_success(result)
    table.add("deployment_success", labels, 1.0 if ok else 0.0)
    successes = max(
        [prior.successes, *(t.value("deployment_success_total", labels) for t in known)]
    )
    failures = max([prior.failures, *(t.value("deployment_failure_total", labels) for t in known)])
    table.add("deployment_success_total", labels, successes + (1 if ok else 0))
    table.add("deployment_failure_total", labels, failures + (0 if ok else 1))
    finished = (result.finished_at or now or utcnow()).timestamp()
    last = _largest(
        prior.last_success,
        *(t.value_or_none("deployment_last_success_timestamp", labels) for t in known),
        finished if ok else None,
    )
    if last is not None:
        table.add("deployment_last_success_timestamp", labels, last)
    table.add("deployment_maintenance", labels, 0.0)
    table.add("deployment_in_progress", labels, 0.0)
    if result.started_at is not None:
        table.add("deployment_started_timestamp", labels, result.started_at.timestamp())
    info = {
        **labels,
        "run_id": result.run_id,
        "revision": str(result.revision) if result.revision else "",
        "status": result.status.value,
    }
    table.add("deployment_run_info", info, 1.0)
    add_certificates(table, env, certificates, now)
    return table


def add_certificates(
    table: SampleTable, environment: str, results: Sequence[CertResult], now: datetime | None
) -> None:
    """Add the x509_cert_* samples of certificate results, labelled with the environment."""
    if not results:
        return
    # x509 parsing (cryptography) is loaded only when certificates were checked
    from unideploy.security.certs.metrics import HELP as CERT_HELP
    from unideploy.security.certs.metrics import samples as cert_samples

    table.define(CERT_HELP)
    for sample in cert_samples(results, now):
        table.add(sample.name, {"environment": environment, **sample.labels}, sample.value)


def started_samples(
    environment: str, *, maintenance: bool, started_at: datetime | None = None
) -> SampleTable:
    """The samples a starting run changes: in progress, its start time, maintenance."""
    labels = {"environment": environment}
    table = SampleTable(FAMILIES)
    table.add("deployment_in_progress", labels, 1.0)
    table.add("deployment_started_timestamp", labels, (started_at or utcnow()).timestamp())
    table.add("deployment_maintenance", labels, 1.0 if maintenance else 0.0)
    return table


def publish_run(
    result: RunResult,
    *,
    pushgateway: str | None,
    textfile: Path | None,
    maintenance: bool = False,
    history_counts: PriorRuns | None = None,
    certificates: Sequence[CertResult] = (),
    timeout: float = 10.0,
    now: datetime | None = None,
) -> list[str]:
    """Deliver the metrics of a finished run; return warnings, never raise for delivery failures.

    A dry run publishes nothing. `maintenance` is accepted for symmetry with `publish_started`: a
    finished run always sets deployment_maintenance back to 0. `now` is the moment certificate
    expiry is measured from (the clock when not given).
    """
    del maintenance  # the run is over: maintenance ends with it
    if is_dry_run(result) or (pushgateway is None and textfile is None):
        return []
    warnings: list[str] = []
    known: list[SampleTable] = []
    if pushgateway is not None:
        gateway_table, problem = read_gateway(pushgateway, JOB, result.environment, timeout)
        if problem:
            warnings.append(problem)
        if gateway_table is not None:
            known.append(gateway_table)
    existing: SampleTable | None = None
    if textfile is not None:
        existing, problem = read_textfile(textfile)
        if problem:
            warnings.append(problem)
        if existing is not None:
            known.append(existing)
    table = run_samples(
        result, history_counts or PriorRuns(), known, certificates=certificates, now=now
    )
    warnings += deliver(
        table,
        environment=result.environment,
        job=JOB,
        pushgateway=pushgateway,
        textfile=textfile,
        existing=existing,
        replace_group=True,
        timeout=timeout,
        prefixes=MANAGED_PREFIXES,
    )
    return warnings


def publish_started(
    environment: str,
    *,
    pushgateway: str | None,
    textfile: Path | None,
    maintenance: bool,
    started_at: datetime | None = None,
    timeout: float = 10.0,
) -> list[str]:
    """Mark a run of `environment` as in progress (and in maintenance); keep every other sample."""
    if pushgateway is None and textfile is None:
        return []
    warnings: list[str] = []
    existing: SampleTable | None = None
    if textfile is not None:
        existing, problem = read_textfile(textfile)
        if problem:
            warnings.append(problem)
    table = started_samples(environment, maintenance=maintenance, started_at=started_at)
    warnings += deliver(
        table,
        environment=environment,
        job=JOB,
        pushgateway=pushgateway,
        textfile=textfile,
        existing=existing,
        replace_group=False,
        timeout=timeout,
        prefixes=MANAGED_PREFIXES,
    )
    return warnings


class MetricsListener:
    """A runner listener: publish_started on RunStarted, publish_run on RunFinished.

    Warnings are logged on `unideploy.observe.metrics` and kept in `warnings`; nothing is raised.
    """

    def __init__(
        self,
        *,
        pushgateway: str | None,
        textfile: Path | None,
        maintenance: bool = False,
        dry_run: bool = False,
        history_counts: PriorRuns | None = None,
        certificates: Sequence[CertResult] = (),
    ) -> None:
        self.pushgateway = pushgateway
        self.textfile = textfile
        self.maintenance = maintenance
        self.dry_run = dry_run
        self.history_counts = history_counts
        self.certificates = certificates
        self.warnings: list[str] = []

    def __call__(self, event: Event) -> None:
        """Handle one runner event."""
        if self.dry_run:
            return
        found: list[str] = []
        if isinstance(event, RunStarted):
            found = publish_started(
                event.environment,
                pushgateway=self.pushgateway,
                textfile=self.textfile,
                maintenance=self.maintenance,
                started_at=event.at,
            )
        elif isinstance(event, RunFinished):
            found = publish_run(
                event.result,
                pushgateway=self.pushgateway,
                textfile=self.textfile,
                history_counts=self.history_counts,
                certificates=self.certificates,
            )
        for warning in found:
            LOG.warning(warning)
        self.warnings.extend(found)

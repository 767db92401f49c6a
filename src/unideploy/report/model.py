"""One report model for a run, built only from its RunResult: phases, steps, tests, findings.

Every renderer (console, JSON, JUnit, Markdown, HTML) reads this model, never the RunResult, so
they agree on what a test is and how it ended. Offsets are seconds from the run's start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unideploy.execute.result import RunResult, Status, StepResult

SCHEMA_VERSION = 1
TESTS_PHASE = "tests"
CATEGORY_ORDER = ("infrastructure", "connectivity", "application", "performance", "security")
CATEGORY_TITLES = {
    "infrastructure": "Infrastructure health",
    "connectivity": "Service connectivity",
    "application": "Application functionality",
    "performance": "Performance baseline",
    "security": "Security compliance",
}
_NOT_RUN = (Status.SKIPPED, Status.CANCELLED, Status.INTERRUPTED, Status.PENDING, Status.RUNNING)


@dataclass(frozen=True)
class StepRow:
    """One step on the timeline."""

    id: str
    phase: str
    status: str
    reason: str | None
    offset: float
    duration: float
    attempts: int


@dataclass(frozen=True)
class PhaseRow:
    """One phase on the timeline, with its steps."""

    name: str
    status: str
    reason: str | None
    offset: float
    duration: float
    steps: tuple[StepRow, ...]


@dataclass(frozen=True)
class TestRow:
    """One integration test: passed, failed, warned (failed, warn-only policy) or skipped."""

    name: str
    category: str
    kind: str
    outcome: str
    message: str
    duration: float
    attempts: int
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when the test did not pass (even if the environment only warns)."""
        return self.outcome in ("failed", "warned")


@dataclass(frozen=True)
class FindingRow:
    """One security finding, with the step that reported it."""

    check_id: str
    severity: str
    title: str
    object: str
    message: str
    step: str
    blocking: bool


@dataclass(frozen=True)
class Report:
    """Everything the renderers show about one run."""

    run_id: str
    environment: str
    status: str
    reason: str | None
    exit_code: int
    started_at: str | None
    finished_at: str | None
    duration: float
    user: str
    revision: str | None
    phases: tuple[PhaseRow, ...]
    tests: tuple[TestRow, ...]
    findings: tuple[FindingRow, ...]

    @property
    def categories(self) -> list[tuple[str, list[TestRow]]]:
        """Tests grouped by category, in the canonical order (unknown categories last)."""
        order = {name: i for i, name in enumerate(CATEGORY_ORDER)}
        names = sorted({t.category for t in self.tests}, key=lambda c: (order.get(c, 99), c))
        return [(name, [t for t in self.tests if t.category == name]) for name in names]

    def counts(self) -> dict[str, int]:
        """How many tests ended each way, plus the total."""
        found = Counter(t.outcome for t in self.tests)
        keys = ("passed", "failed", "warned", "skipped")
        return {"total": len(self.tests), **{k: found.get(k, 0) for k in keys}}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (shape: schema/report.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "run_id": self.run_id,
            "environment": self.environment,
            "status": self.status,
            "reason": self.reason,
            "exit_code": self.exit_code,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration": self.duration,
            "user": self.user,
            "revision": self.revision,
            "summary": {
                "tests": self.counts(),
                "findings": len(self.findings),
                "blocking_findings": sum(1 for f in self.findings if f.blocking),
            },
            "phases": [
                {
                    **{k: v for k, v in vars(p).items() if k != "steps"},
                    "steps": [dict(vars(s)) for s in p.steps],
                }
                for p in self.phases
            ],
            "tests": [{**vars(t), "details": dict(t.details)} for t in self.tests],
            "findings": [dict(vars(f)) for f in self.findings],
        }


def _test_outcome(step: StepResult) -> str:
    if step.status is Status.WARNED and step.details.get("passed") is False:
        return "warned"
    if step.status.is_failure:
        return "failed"
    if step.status in _NOT_RUN:
        return "skipped"
    return "passed"


def _test_row(step: StepResult) -> TestRow:
    details = dict(step.details)
    shown = {k: v for k, v in details.items() if k not in ("category", "kind", "message", "passed")}
    shown.pop("findings", None)
    return TestRow(
        name=step.name,
        category=str(details.get("category", "uncategorised")),
        kind=str(details.get("kind", "")),
        outcome=_test_outcome(step),
        message=str(details.get("message") or step.reason or ""),
        duration=round(float(details.get("duration", step.duration)), 3),
        attempts=int(details.get("attempts", step.attempts)),
        details=shown,
    )


def _findings(step: StepResult) -> list[FindingRow]:
    rows = []
    for item in step.details.get("findings") or []:
        if not isinstance(item, Mapping) or "check_id" not in item:
            continue
        obj = item.get("object") or {}
        shown = obj.get("name", "") if isinstance(obj, Mapping) else str(obj)
        if isinstance(obj, Mapping) and obj.get("kind"):
            ns = f"{obj['namespace']}/" if obj.get("namespace") else ""
            shown = f"{obj['kind']} {ns}{obj.get('name', '')}"
        rows.append(
            FindingRow(
                check_id=str(item["check_id"]),
                severity=str(item.get("severity", "")),
                title=str(item.get("title", "")),
                object=shown,
                message=str(item.get("message", "")),
                step=step.id,
                blocking=bool(item.get("blocking", False)),
            )
        )
    return rows


def build_report(run: RunResult) -> Report:
    """The report of `run`."""
    origin = run.started_at

    def offset(moment: datetime | None) -> float:
        if origin is None or moment is None:
            return 0.0
        return round(max(0.0, (moment - origin).total_seconds()), 3)

    phases = tuple(
        PhaseRow(
            name=p.name,
            status=p.status.value,
            reason=p.reason,
            offset=offset(p.started_at),
            duration=round(p.duration, 3),
            steps=tuple(
                StepRow(
                    s.id,
                    s.phase,
                    s.status.value,
                    s.reason,
                    offset(s.started_at),
                    round(s.duration, 3),
                    s.attempts,
                )
                for s in p.steps
            ),
        )
        for p in run.phases
    )
    tests = tuple(_test_row(s) for p in run.phases if p.name == TESTS_PHASE for s in p.steps)
    findings = tuple(f for s in run.steps for f in _findings(s))
    return Report(
        run_id=run.run_id,
        environment=run.environment,
        status=run.status.value,
        reason=run.reason,
        exit_code=int(run.exit_code),
        started_at=run.started_at.isoformat() if run.started_at else None,
        finished_at=run.finished_at.isoformat() if run.finished_at else None,
        duration=round(run.duration, 3),
        user=run.user,
        revision=str(run.revision) if run.revision else None,
        phases=phases,
        tests=tests,
        findings=findings,
    )

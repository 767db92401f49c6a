"""Schedule one phase's steps: a graphlib DAG, at most `parallel` at once, timeouts, cancellation.

Called by the runner once per present phase; shares a RunState with it so that failures and
interruptions carry across phases. Every step of the phase ends with a StepResult, skips included.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from graphlib import TopologicalSorter
from typing import Any

from unideploy.errors import UnideployError
from unideploy.execute.events import EventBus, StepStarted
from unideploy.execute.result import Status, StepResult, utcnow
from unideploy.execute.retry import RetryPolicy
from unideploy.execute.step import Phase, Step
from unideploy.execute.worker import Report, start_worker


@dataclass
class RunState:
    """Mutable bookkeeping the runner and the phase scheduler share during one run."""

    parallel: int
    continue_on_error: bool
    retry: RetryPolicy
    cancel_grace: float
    poll_interval: float
    bus: EventBus
    cancel: threading.Event = field(default_factory=threading.Event)
    force: threading.Event = field(default_factory=threading.Event)
    cancel_reason: str = "cancelled"
    results: dict[str, StepResult] = field(default_factory=dict)
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    failures: list[StepResult] = field(default_factory=list)
    stop_reason: str | None = None
    interrupted: bool = False

    def display(self, step_id: str, phase: str) -> str:
        """Name a step in a reason: its short name inside its own phase, its full ID outside."""
        own, _, name = step_id.partition("/")
        return name if own == phase and name else step_id

    def check_cancel(self) -> None:
        """Turn a pending cancel request into a stop reason (idempotent)."""
        if self.cancel.is_set() and not self.interrupted:
            self.interrupted = True
            self.stop_reason = f"not started: run {self.cancel_reason}"


@dataclass
class _Running:
    step: Step
    token: threading.Event
    started_at: datetime
    deadline: float | None
    stop_by: float | None = None
    timed_out: bool = False


def run_phase(phase: Phase, state: RunState, finish: Callable[[StepResult], None]) -> None:
    """Run every step of `phase`, calling `finish` with each StepResult as it is decided."""
    steps = {step.id: step for step in phase.steps}
    graph = {sid: [n for n in state.needs[sid] if n in steps] for sid in steps}
    sorter: TopologicalSorter[str] = TopologicalSorter(graph)
    sorter.prepare()
    reports: queue.Queue[Report] = queue.Queue()
    running: dict[str, _Running] = {}
    waiting: deque[str] = deque()

    def decide(result: StepResult) -> None:
        running.pop(result.id, None)
        state.results[result.id] = result
        if result.status.is_failure:
            state.failures.append(result)
            state.blocked[result.id] = result.id
            if not state.continue_on_error and state.stop_reason is None:
                state.stop_reason = (
                    f'not started: "{result.id}" failed '
                    "(fail-fast; --continue-on-error keeps going)"
                )
        sorter.done(result.id)
        finish(result)

    while sorter.is_active():
        state.check_cancel()
        waiting.extend(sorter.get_ready())
        progressed = _start_ready(phase, steps, waiting, running, reports, state, decide)
        if progressed:
            continue
        if not running:  # every ready step was started or skipped: something must be running
            raise RuntimeError(f'scheduler stalled in phase "{phase.name}" (a bug; please report)')
        _wait_for_reports(phase, running, reports, state, decide)


def _start_ready(
    phase: Phase,
    steps: dict[str, Step],
    waiting: deque[str],
    running: dict[str, _Running],
    reports: queue.Queue[Report],
    state: RunState,
    decide: Callable[[StepResult], None],
) -> bool:
    """Skip or start what is ready; return True if a step was skipped (new ones may be ready)."""
    skipped = False
    for _ in range(len(waiting)):
        sid = waiting.popleft()
        step = steps[sid]
        stopped = None if phase.run_all else state.stop_reason
        reason = blocked_reason(step, phase.name, state) or stopped
        if reason is not None:
            decide(StepResult(id=sid, phase=phase.name, status=Status.SKIPPED, reason=reason))
            skipped = True
        elif len(running) < state.parallel:
            token = threading.Event()
            state.bus.emit(StepStarted(step_id=sid, phase=phase.name))
            deadline = time.monotonic() + step.timeout if step.timeout is not None else None
            start_worker(
                step, token=token, policy=step.retry or state.retry, bus=state.bus, reports=reports
            )
            running[sid] = _Running(step, token, utcnow(), deadline)
        else:
            waiting.append(sid)
    return skipped


def blocked_reason(step: Step, phase: str, state: RunState) -> str | None:
    for need in state.needs[step.id]:
        root = state.blocked.get(need)
        if root is None:
            continue
        state.blocked[step.id] = root
        if root == need:
            return f'needs "{state.display(need, phase)}", which failed'
        return (
            f'needs "{state.display(need, phase)}", which was skipped '
            f'because "{state.display(root, phase)}" failed'
        )
    return None


def _wait_for_reports(
    phase: Phase,
    running: dict[str, _Running],
    reports: queue.Queue[Report],
    state: RunState,
    decide: Callable[[StepResult], None],
) -> None:
    now = time.monotonic()
    horizon = [r.deadline for r in running.values() if r.deadline and not r.timed_out]
    horizon += [r.stop_by for r in running.values() if r.stop_by is not None]
    wait = min([state.poll_interval, *[max(0.0, t - now) for t in horizon]])
    try:
        report: Report | None = reports.get(timeout=wait)
    except queue.Empty:
        report = None
    while report is not None:
        if report.step_id in running:
            decide(_result_of(running[report.step_id], report, phase.name, state))
        try:
            report = reports.get_nowait()
        except queue.Empty:
            report = None
    state.check_cancel()
    _enforce_limits(phase, running, state, decide)


def _enforce_limits(
    phase: Phase,
    running: dict[str, _Running],
    state: RunState,
    decide: Callable[[StepResult], None],
) -> None:
    now = time.monotonic()
    for run in list(running.values()):
        if run.deadline is not None and not run.timed_out and now >= run.deadline:
            run.timed_out = True
            run.token.set()
            run.stop_by = now + state.cancel_grace
        if state.interrupted and not run.token.is_set():
            run.token.set()
            run.stop_by = now + state.cancel_grace
        if run.stop_by is not None and (now >= run.stop_by or state.force.is_set()):
            why = "timed out after" if run.timed_out else "cancelled;"
            limit = f"{run.step.timeout:g} s" if run.timed_out else "abandoned"
            reason = f"{why} {limit}, did not stop within {state.cancel_grace:g} s"
            status = Status.FAILED if run.timed_out else Status.CANCELLED
            decide(_ended(run, phase.name, status, reason, attempts=1, finished_at=utcnow()))


def _result_of(run: _Running, report: Report, phase: str, state: RunState) -> StepResult:
    if run.timed_out:
        reason = f"timed out after {run.step.timeout:g} s"
        return _ended(run, phase, Status.FAILED, reason, report.attempts, report.finished_at)
    if report.outcome is not None:
        out = report.outcome
        return _ended(
            run, phase, out.status, out.reason, report.attempts, report.finished_at, out.details
        )
    if report.cancelled or (state.interrupted and run.token.is_set()):
        reason = f"cancelled: run {state.cancel_reason}"
        return _ended(run, phase, Status.CANCELLED, reason, report.attempts, report.finished_at)
    error = report.error
    details: dict[str, object] = {"error_type": type(error).__name__}
    if isinstance(error, UnideployError):
        reason = error.message
        if error.hint:
            details["hint"] = error.hint
    else:
        reason = f"{type(error).__name__}: {error}"
    if report.attempts > 1:
        reason += f" (gave up after {report.attempts} attempts)"
    return _ended(run, phase, Status.FAILED, reason, report.attempts, report.finished_at, details)


def _ended(
    run: _Running,
    phase: str,
    status: Status,
    reason: str | None,
    attempts: int,
    finished_at: datetime,
    details: Mapping[str, Any] | None = None,
) -> StepResult:
    return StepResult(
        id=run.step.id,
        phase=phase,
        status=status,
        reason=reason,
        started_at=run.started_at,
        finished_at=finished_at,
        attempts=attempts,
        plan_hash=run.step.plan_hash,
        details=dict(details or {}),
    )

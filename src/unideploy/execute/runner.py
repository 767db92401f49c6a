"""The runner: phases in order, each phase's steps as a DAG, ending in one frozen RunResult.

Input: Phases built from a Plan (present, skipped, or simply absent). Output: a RunResult and a
stream of events to listeners. It owns cancellation (SIGINT/SIGTERM or `cancel()`), fail-fast vs
continue-on-error, and retries; it knows nothing of Terraform, Helm or renderers.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from types import FrameType
from typing import Any

from unideploy.errors import PlanError
from unideploy.execute.events import (
    EventBus,
    Listener,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunStarted,
    StepFinished,
)
from unideploy.execute.result import (
    PhaseResult,
    RunResult,
    StackRevision,
    Status,
    StepResult,
    local_user,
    new_run_id,
    utcnow,
)
from unideploy.execute.retry import RetryPolicy
from unideploy.execute.schedule import RunState, blocked_reason, run_phase
from unideploy.execute.step import Phase


@dataclass(frozen=True)
class RunOptions:
    """How a run behaves: `parallel` steps at once, retry policy, failure and cancel handling.

    `cancel_grace` is how long a cancelled or timed-out step may take to stop before it is
    abandoned. `handle_signals` installs SIGINT/SIGTERM handlers while the run lasts (main
    thread only).
    """

    parallel: int = 4
    continue_on_error: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cancel_grace: float = 30.0
    handle_signals: bool = True
    poll_interval: float = 0.1

    def __post_init__(self) -> None:
        if self.parallel < 1:
            raise ValueError("parallel must be at least 1")


class Runner:
    """Runs one deployment's phases; one Runner per run, `cancel()` callable from any thread."""

    def __init__(self, options: RunOptions | None = None, listeners: Iterable[Listener] = ()):
        self.options = options or RunOptions()
        self.bus = EventBus(listeners)
        self._state = RunState(
            parallel=self.options.parallel,
            continue_on_error=self.options.continue_on_error,
            retry=self.options.retry,
            cancel_grace=self.options.cancel_grace,
            poll_interval=self.options.poll_interval,
            bus=self.bus,
        )

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop the run: no new step starts, running steps see their cancel token set.

        A second call abandons running steps at once instead of waiting for them.
        """
        if self._state.cancel.is_set():
            self._state.force.set()
            return
        self._state.cancel_reason = reason
        self._state.cancel.set()

    def run(
        self,
        phases: Sequence[Phase],
        *,
        environment: str,
        run_id: str | None = None,
        user: str | None = None,
        revision: StackRevision | None = None,
        plan_hash: str | None = None,
        flags: Mapping[str, Any] | None = None,
    ) -> RunResult:
        """Run `phases` in order and return the complete record; PlanError if they are malformed."""
        state = self._state
        state.needs = resolve_needs(phases)
        run_id = run_id or new_run_id()
        started = utcnow()
        self.bus.emit(RunStarted(run_id, environment, tuple(p.name for p in phases)))
        done: list[PhaseResult] = []
        with self._signals():
            for phase in phases:
                state.check_cancel()
                done.append(self._phase(phase, done))
        result = RunResult(
            run_id=run_id,
            environment=environment,
            status=_run_status(done, state),
            reason=_run_reason(state),
            started_at=started,
            finished_at=utcnow(),
            user=user if user is not None else local_user(),
            revision=revision,
            plan_hash=plan_hash,
            flags=dict(flags or {}),
            phases=tuple(done),
        )
        self.bus.emit(RunFinished(result))
        return result

    def _phase(self, phase: Phase, before: list[PhaseResult]) -> PhaseResult:
        state = self._state
        skip = phase.skip_reason
        stopped = skip is None and state.stop_reason is not None
        if stopped:
            skip = _later_phase_reason(state, before)
        if skip is not None:
            # A step that needs a failed step says so, rather than only that the run stopped.
            steps = tuple(
                StepResult(
                    id=s.id,
                    phase=phase.name,
                    status=Status.SKIPPED,
                    reason=(blocked_reason(s, phase.name, state) if stopped else None) or skip,
                )
                for s in phase.steps
            )
            for step in steps:
                state.results[step.id] = step
                self.bus.emit(StepFinished(step))
            result = PhaseResult(phase.name, Status.SKIPPED, reason=skip, steps=steps)
            self.bus.emit(PhaseFinished(result))
            return result
        started = utcnow()
        self.bus.emit(PhaseStarted(phase.name, tuple(s.id for s in phase.steps)))
        decided: dict[str, StepResult] = {}

        def finish(result: StepResult) -> None:
            decided[result.id] = result
            self.bus.emit(StepFinished(result))

        run_phase(phase, state, finish)
        steps = tuple(decided[s.id] for s in phase.steps)
        status, reason = _phase_status(steps, state)
        result = PhaseResult(phase.name, status, reason, started, utcnow(), steps)
        self.bus.emit(PhaseFinished(result))
        return result

    @contextmanager
    def _signals(self) -> Iterator[None]:
        if (
            not self.options.handle_signals
            or threading.current_thread() is not threading.main_thread()
        ):
            yield
            return

        def handler(signum: int, _frame: FrameType | None) -> None:
            self.cancel(f"interrupted by {signal.Signals(signum).name}")

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def resolve_needs(phases: Sequence[Phase]) -> dict[str, tuple[str, ...]]:
    """Map each step ID to the full IDs it needs; PlanError names bad, unknown or cyclic needs."""
    resolved: dict[str, tuple[str, ...]] = {}
    earlier: set[str] = set()
    for phase in phases:
        ids = {step.id for step in phase.steps}
        if len(ids) != len(phase.steps):
            raise PlanError(f'phase "{phase.name}" has two steps with the same ID')
        clash = ids & earlier
        if clash:
            raise PlanError(f'step "{sorted(clash)[0]}" appears in more than one phase')
        by_name = {step.name: step.id for step in phase.steps}
        for step in phase.steps:
            full: list[str] = []
            for need in step.needs:
                target = need if need in ids or need in earlier else by_name.get(need)
                if target is None:
                    raise PlanError(
                        f'step "{step.id}" needs "{need}", which is not defined in phase '
                        f'"{phase.name}" or an earlier phase',
                        hint="name a step of the same phase, or an earlier phase's step by full ID",
                    )
                full.append(target)
            resolved[step.id] = tuple(full)
        graph = {sid: [n for n in resolved[sid] if n in ids] for sid in ids}
        try:
            TopologicalSorter(graph).prepare()
        except CycleError as exc:
            cycle = " → ".join(str(node) for node in exc.args[1])
            raise PlanError(
                f'steps of phase "{phase.name}" need each other in a cycle: {cycle}'
            ) from exc
        earlier |= ids
    return resolved


def _later_phase_reason(state: RunState, before: list[PhaseResult]) -> str:
    if state.interrupted:
        return f"run {state.cancel_reason}"
    failed = next((p.name for p in reversed(before) if p.status is Status.FAILED), None)
    return f'phase "{failed}" failed' if failed else "an earlier step failed"


def _phase_status(steps: tuple[StepResult, ...], state: RunState) -> tuple[Status, str | None]:
    statuses = [s.status for s in steps]
    if Status.CANCELLED in statuses:
        return Status.INTERRUPTED, f"run {state.cancel_reason}"
    failed = [s for s in steps if s.status.is_failure]
    if failed:
        return Status.FAILED, f'step "{failed[0].id}" failed: {failed[0].reason}'
    if state.interrupted and any(s.status is Status.SKIPPED for s in steps):
        return Status.INTERRUPTED, f"run {state.cancel_reason}"
    blocked = [s for s in steps if s.id in state.blocked]
    if steps and len(blocked) == len(steps):
        return Status.SKIPPED, blocked[0].reason
    if blocked:
        return Status.WARNED, f"{len(blocked)} step(s) skipped because something they need failed"
    return _aggregate(statuses), None


def _aggregate(statuses: list[Status]) -> Status:
    ran = [s for s in statuses if s is not Status.SKIPPED]
    if Status.WARNED in ran:
        return Status.WARNED
    if Status.CHANGED in ran:
        return Status.CHANGED
    if ran and all(s is Status.UNCHANGED for s in ran):
        return Status.UNCHANGED
    return Status.SUCCEEDED


def _run_status(phases: list[PhaseResult], state: RunState) -> Status:
    if state.interrupted:
        return Status.INTERRUPTED
    if state.failures:
        return Status.FAILED
    return _aggregate([p.status for p in phases])


def _run_reason(state: RunState) -> str | None:
    if state.interrupted:
        return state.cancel_reason
    if not state.failures:
        return None
    first = state.failures[0]
    more = len(state.failures) - 1
    tail = f" (and {more} more failed step{'s' if more > 1 else ''})" if more else ""
    return f'phase "{first.phase}", step "{first.id}" failed: {first.reason}{tail}'

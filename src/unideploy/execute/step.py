"""What the runner runs: Phase, Step, the StepContext handed to an action, and its Outcome.

Phases (execute/phases/) build these from a Plan; the runner schedules them. An action is any
callable taking a StepContext and returning an Outcome (or None for plain success).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from unideploy.execute.result import Status
from unideploy.execute.retry import RetryPolicy

OUTCOME_STATUSES = frozenset(
    {
        Status.SUCCEEDED,
        Status.CHANGED,
        Status.UNCHANGED,
        Status.WARNED,
        Status.SKIPPED,
        Status.FAILED,
        Status.ROLLED_BACK,
    }
)


class StepCancelled(Exception):
    """Raised inside an action (by `StepContext.check_cancelled`) when the run was cancelled."""


@dataclass(frozen=True)
class Outcome:
    """What an action reports: its status, an optional reason, and details for history."""

    status: Status = Status.SUCCEEDED
    reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in OUTCOME_STATUSES:
            allowed = ", ".join(sorted(s.value for s in OUTCOME_STATUSES))
            raise ValueError(f"a step cannot end {self.status.value!r}; use one of {allowed}")


@dataclass(frozen=True)
class StepContext:
    """Handed to an action: the cancel token to honour, a logger, and a progress callback."""

    step_id: str
    cancel: threading.Event
    log: logging.Logger
    report: Callable[[str], None]
    attempt: int = 1

    @property
    def cancelled(self) -> bool:
        """True once the run was interrupted or the step's timeout passed."""
        return self.cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise StepCancelled if the step should stop now."""
        if self.cancel.is_set():
            raise StepCancelled(self.step_id)

    def sleep(self, seconds: float) -> None:
        """Wait up to `seconds`; raise StepCancelled as soon as the step is cancelled."""
        if self.cancel.wait(seconds):
            raise StepCancelled(self.step_id)

    def progress(self, message: str) -> None:
        """Report progress, e.g. "web: 2/3 replicas ready"; renderers show the latest message."""
        self.report(message)


Action = Callable[[StepContext], Outcome | None]


@dataclass(frozen=True)
class Step:
    """One unit of work inside a phase: an ID, what it needs, and the action that does it.

    `needs` names steps of the same phase (by ID or short name) or of an earlier phase (by ID).
    `timeout` bounds the step's wall time, retries included; None means no bound.
    `retry` overrides the runner's policy for this step.
    """

    id: str
    action: Action
    needs: tuple[str, ...] = ()
    timeout: float | None = None
    retry: RetryPolicy | None = None
    plan_hash: str | None = None

    @property
    def name(self) -> str:
        """The short name: the part of the ID after the phase ("grafana" for "helm/grafana")."""
        return self.id.split("/", 1)[-1]


@dataclass(frozen=True)
class Phase:
    """A phase present in the run; `skip_reason` set means present but skipped ("--skip-tests").

    `run_all`: every step of this phase runs even after one failed (checks that each report,
    like preflight's); fail-fast still stops the run after the phase.
    """

    name: str
    steps: tuple[Step, ...] = ()
    skip_reason: str | None = None
    run_all: bool = False

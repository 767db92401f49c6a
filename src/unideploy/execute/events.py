"""Events the runner emits while a run proceeds; renderers, metrics and the audit log listen.

The runner never calls a renderer: it hands each event to every listener, one event at a time
(steps run in threads, listeners need not be thread-safe). A failing listener is logged, not fatal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from unideploy.execute.result import PhaseResult, RunResult, StepResult, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunStarted:
    """A run began; `phases` lists the phases present, in order."""

    run_id: str
    environment: str
    phases: tuple[str, ...]
    at: datetime = field(default_factory=utcnow)
    kind: str = "run_started"


@dataclass(frozen=True)
class PhaseStarted:
    """A phase began running its steps (a skipped phase only emits PhaseFinished)."""

    phase: str
    steps: tuple[str, ...]
    at: datetime = field(default_factory=utcnow)
    kind: str = "phase_started"


@dataclass(frozen=True)
class StepStarted:
    """A step's action was called for its first attempt."""

    step_id: str
    phase: str
    at: datetime = field(default_factory=utcnow)
    kind: str = "step_started"


@dataclass(frozen=True)
class StepProgress:
    """A running step reported progress, e.g. "web: 2/3 replicas ready"."""

    step_id: str
    message: str
    at: datetime = field(default_factory=utcnow)
    kind: str = "step_progress"


@dataclass(frozen=True)
class StepRetrying:
    """A step failed with a retryable error; attempt `attempt + 1` follows after `delay` s."""

    step_id: str
    attempt: int
    delay: float
    error: str
    at: datetime = field(default_factory=utcnow)
    kind: str = "step_retrying"


@dataclass(frozen=True)
class StepFinished:
    """A step ended (skipped steps included, so every step of a present phase is reported)."""

    result: StepResult
    at: datetime = field(default_factory=utcnow)
    kind: str = "step_finished"


@dataclass(frozen=True)
class PhaseFinished:
    """A phase ended or was skipped."""

    result: PhaseResult
    at: datetime = field(default_factory=utcnow)
    kind: str = "phase_finished"


@dataclass(frozen=True)
class RunFinished:
    """The run ended; `result` is the complete record."""

    result: RunResult
    at: datetime = field(default_factory=utcnow)
    kind: str = "run_finished"


Event = (
    RunStarted
    | PhaseStarted
    | StepStarted
    | StepProgress
    | StepRetrying
    | StepFinished
    | PhaseFinished
    | RunFinished
)
Listener = Callable[[Event], None]


class EventBus:
    """Delivers events to listeners in emission order, serialised across threads."""

    def __init__(self, listeners: Iterable[Listener] = ()) -> None:
        self._listeners = list(listeners)
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        """Add a listener; it receives every event emitted from now on."""
        with self._lock:
            self._listeners.append(listener)

    def emit(self, event: Event) -> None:
        """Hand `event` to every listener; a listener that raises is logged and skipped."""
        with self._lock:
            for listener in self._listeners:
                try:
                    listener(event)
                except Exception:
                    log.exception("event listener %r failed on %s", listener, event.kind)

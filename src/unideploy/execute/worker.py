"""One step's attempts, run on its own thread: call the action, retry retryable errors with backoff.

The scheduler (execute/schedule.py) hands each step to a worker (a reused daemon thread) and reads
its single Report from a queue. The worker never decides the step's final status; it reports what
happened.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from unideploy.errors import EngineError
from unideploy.execute.events import EventBus, StepProgress, StepRetrying
from unideploy.execute.result import utcnow
from unideploy.execute.retry import RetryPolicy
from unideploy.execute.step import Outcome, Step, StepCancelled, StepContext


@dataclass(frozen=True)
class Report:
    """What a worker tells the scheduler when its step stops running."""

    step_id: str
    attempts: int
    finished_at: datetime
    outcome: Outcome | None = None
    error: Exception | None = None
    cancelled: bool = False


def start_worker(
    step: Step,
    *,
    token: threading.Event,
    policy: RetryPolicy,
    bus: EventBus,
    reports: queue.Queue[Report],
) -> None:
    """Run `step` on a daemon worker (a step that ignores its cancel token never blocks exit)."""
    _WORKERS.run(f"unideploy-step-{step.id}", lambda: _attempts(step, token, policy, bus, reports))


class _Workers:
    """Daemon threads for steps, reused: an idle one takes the next step, else a new one starts.

    Starting a thread holds its starter until the new thread runs (CPython's Thread.start waits
    for it), a GIL hand-off the scheduler paid for every step: ≈ 0.6 ms each, 30 to 40 ms over a run
    of 57 steps while it could have been starting the next. A worker is named after its step
    while it runs it (the debug log shows the name); a step that never returns keeps its thread,
    and the next step simply gets a new one.
    """

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue[tuple[str, Callable[[], None]]]] = []
        self._lock = threading.Lock()

    def run(self, name: str, job: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            thread = threading.Thread(target=self._serve, args=(inbox,), name=name, daemon=True)
            thread.start()
        inbox.put((name, job))

    def _serve(self, inbox: queue.SimpleQueue[tuple[str, Callable[[], None]]]) -> None:
        me = threading.current_thread()
        while True:
            me.name, job = inbox.get()
            job()  # _attempts reports every Exception; anything else ends this thread here
            me.name = IDLE_NAME
            with self._lock:
                self._idle.append(inbox)


IDLE_NAME = "unideploy-step-idle"
_WORKERS = _Workers()


def _attempts(
    step: Step,
    token: threading.Event,
    policy: RetryPolicy,
    bus: EventBus,
    reports: queue.Queue[Report],
) -> None:
    logger = logging.getLogger(f"unideploy.step.{step.id}")

    def report(message: str) -> None:
        bus.emit(StepProgress(step_id=step.id, message=message))

    first = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        ctx = StepContext(step_id=step.id, cancel=token, log=logger, report=report, attempt=attempt)
        try:
            outcome = step.action(ctx) or Outcome()
        except StepCancelled:
            reports.put(Report(step.id, attempt, utcnow(), cancelled=True))
            return
        except EngineError as exc:
            delay = _retry_delay(step, exc, policy, attempt, time.monotonic() - first, token)
            if delay is None:
                logger.debug("step %s failed", step.id, exc_info=True)
                reports.put(Report(step.id, attempt, utcnow(), error=exc))
                return
            logger.info("step %s: retryable error, retry in %.3g s: %s", step.id, delay, exc)
            bus.emit(StepRetrying(step_id=step.id, attempt=attempt, delay=delay, error=exc.message))
            if token.wait(delay):
                reports.put(Report(step.id, attempt, utcnow(), error=exc, cancelled=True))
                return
        except Exception as exc:
            logger.debug("step %s raised", step.id, exc_info=True)
            reports.put(Report(step.id, attempt, utcnow(), error=exc))
            return
        else:
            reports.put(Report(step.id, attempt, utcnow(), outcome=outcome))
            return


def _retry_delay(
    step: Step,
    exc: EngineError,
    policy: RetryPolicy,
    attempts: int,
    elapsed: float,
    token: threading.Event,
) -> float | None:
    if not exc.retryable or token.is_set():
        return None
    delay = policy.next_delay(attempts, elapsed)
    if delay is None:
        return None
    if step.timeout is not None and elapsed + delay >= step.timeout:
        return None
    return delay

"""Step workers are reused daemon threads, named after the step they run, never held by one."""

from __future__ import annotations

import queue
import threading

import pytest

from unideploy.execute.worker import IDLE_NAME, _Workers

WAIT_S = 10


def _run(workers: _Workers, name: str) -> tuple[int, str]:
    """Run one job on `workers`; the ident and name of the thread that ran it."""
    seen: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()

    def record() -> None:
        me = threading.current_thread()
        seen.put((me.ident or 0, me.name))

    workers.run(name, record)
    return seen.get(timeout=WAIT_S)


def test_an_idle_worker_takes_the_next_step_under_that_steps_name() -> None:
    workers = _Workers()
    first = _run(workers, "unideploy-step-helm/a")
    _wait_idle(workers, 1)
    second = _run(workers, "unideploy-step-helm/b")
    assert first[0] == second[0]  # the same thread, not a new one
    assert (first[1], second[1]) == ("unideploy-step-helm/a", "unideploy-step-helm/b")


def test_a_step_that_never_returns_keeps_its_thread_and_the_next_gets_another() -> None:
    workers = _Workers()
    release = threading.Event()
    started = threading.Event()
    stuck_on: list[threading.Thread] = []

    def hang() -> None:
        stuck_on.append(threading.current_thread())
        started.set()
        release.wait(WAIT_S)

    workers.run("unideploy-step-helm/stuck", hang)
    assert started.wait(WAIT_S)
    ident, name = _run(workers, "unideploy-step-helm/next")
    assert ident != stuck_on[0].ident and name == "unideploy-step-helm/next"
    assert stuck_on[0].daemon  # it never holds the process at exit
    release.set()
    _wait_idle(workers, 2)
    assert stuck_on[0].name == IDLE_NAME


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_whose_job_escapes_is_not_reused() -> None:
    workers = _Workers()
    ended: list[threading.Thread] = []

    def leave() -> None:
        ended.append(threading.current_thread())
        raise SystemExit  # ends the thread quietly; _attempts lets nothing else out

    workers.run("unideploy-step-helm/gone", leave)
    ident, _name = _run(workers, "unideploy-step-helm/after")
    ended[0].join(WAIT_S)
    assert not ended[0].is_alive()
    assert ident != ended[0].ident


def _wait_idle(workers: _Workers, count: int) -> None:
    """Wait until `count` workers are back among the idle ones."""
    done = threading.Event()
    for _ in range(WAIT_S * 100):
        with workers._lock:
            if len(workers._idle) >= count:
                done.set()
                break
        done.wait(0.01)
    assert done.is_set(), "workers never came back idle"

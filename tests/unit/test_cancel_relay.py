"""engines.cancel_relay: a cancel reaches the engine once; the end of the call ends the watcher."""

from __future__ import annotations

import threading

from unideploy.engines.cancel_relay import relay_cancel

AN_HOUR = 3600.0


def test_the_watcher_ends_when_the_call_ends_without_waiting_out_its_poll() -> None:
    cancel, finished, calls = threading.Event(), threading.Event(), []
    watcher = threading.Thread(
        target=relay_cancel, args=(cancel, finished, lambda: calls.append(1), AN_HOUR)
    )
    watcher.start()
    finished.set()
    watcher.join(timeout=30)  # an hour's poll would still be blocking here
    assert not watcher.is_alive()
    assert calls == []


def test_a_cancel_before_the_end_is_relayed_exactly_once() -> None:
    cancel, finished, calls = threading.Event(), threading.Event(), []
    cancel.set()
    relay_cancel(cancel, finished, lambda: calls.append(1), poll_s=0.001)
    assert calls == [1]


def test_a_call_already_finished_is_never_cancelled() -> None:
    cancel, finished, calls = threading.Event(), threading.Event(), []
    finished.set()
    cancel.set()
    relay_cancel(cancel, finished, lambda: calls.append(1))
    assert calls == []

"""Relay a run's cancel token to an engine call in flight, and get out of the way when it ends.

The Helm SDK and Terraform calls block a worker thread; a small watcher thread turns the step's
cancel Event into the engine's own cancel (Helm's context, Terraform's interrupt). The watcher
blocks on the call's `finished` Event, so it ends the moment the call does (joining it costs
nothing), and looks at `cancel` every `poll_s` (how late a cancel may reach the engine).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

POLL_S = 0.05


def relay_cancel(
    cancel: threading.Event,
    finished: threading.Event,
    on_cancel: Callable[[], None],
    poll_s: float = POLL_S,
) -> None:
    """Call `on_cancel` once if `cancel` is set before `finished`; return when either happens."""
    while not finished.wait(poll_s):
        if cancel.is_set():
            on_cancel()
            return

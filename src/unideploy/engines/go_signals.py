"""Keep SIGINT/SIGTERM with Python while a Go shared library (Terraform core, Helm SDK) loads.

A Go runtime loaded into this process finishes starting in its own thread after dlopen returns,
then installs its own handlers for SIGINT and SIGTERM: Ctrl-C would no longer reach the runner.
`keeping_signals` saves the process's actions, lets the caller load the library and make one
exported call (which waits for the runtime to finish starting), then puts the actions back.
sigaction is process-wide, so this works from any thread.
"""

from __future__ import annotations

import ctypes
import signal
from collections.abc import Iterator
from contextlib import contextmanager

_GUARDED = (signal.SIGINT, signal.SIGTERM)
_SIGACTION_BYTES = 512  # larger than any platform's struct sigaction


@contextmanager
def keeping_signals() -> Iterator[None]:
    """Restore SIGINT/SIGTERM's OS-level actions after the block (which loads a Go library)."""
    libc = ctypes.CDLL(None, use_errno=True)
    saved: dict[int, ctypes.Array[ctypes.c_char]] = {}
    for guarded in _GUARDED:
        action = ctypes.create_string_buffer(_SIGACTION_BYTES)
        if libc.sigaction(int(guarded), None, action) == 0:
            saved[int(guarded)] = action
    try:
        yield
    finally:
        for number, previous in saved.items():
            libc.sigaction(number, previous, None)

"""The console process's last step: the exit code goes to the OS without the heap's teardown.

When `main()` has returned, the interpreter's exit does three kinds of work: it waits for the
threads that are still running and runs the atexit handlers (the debug log's close, fd 2's
restore, the dataclass code cache, and whatever a wrapper such as a tracing agent registered),
it flushes stdout and stderr, and then it takes every module apart and frees the objects they
hold — the config model's validators, the engines, the HTTP stack. The last part changes
nothing anyone can see and costs ≈ 11 ms, a few per cent of an incremental deploy that changes
one release; the kernel takes the memory back in one step anyway.

`leave_with` does the first two as the interpreter does them, in its order — the threads first
(the same private `threading._shutdown` the interpreter calls), then every atexit handler, last
registered first (`atexit._run_exitfuncs`) — and leaves with `os._exit`. When a stream cannot be
flushed (a closed pipe), it exits the usual way instead, and the interpreter reports that as it
always does. Only the console entry point (`cli/main.py:run`) uses this; code that calls
`main()` itself keeps the ordinary exit.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn

#: What the interpreter calls first at exit: threading's own exit hooks (a thread pool's
#: workers are told to stop), then a join of every non-daemon thread.
_wait_for_threads: Callable[[], None] = getattr(threading, "_shutdown")  # noqa: B009


def leave_with(code: int) -> NoReturn:
    """End the process with `code` once threads, atexit handlers and both streams are done."""
    _wait_for_threads()
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)

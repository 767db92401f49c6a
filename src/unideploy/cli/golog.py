"""Keep the Go libraries' own log lines (klog, log/slog) off the terminal: into the debug log.

Helm's SDK, client-go and Terraform core write straight to file descriptor 2 (`I1204 12:00:00.1
... Warning: unrecognized format "int64"`, `2026/12/04 12:00:00 WARN ...`), below Python. The
console entry point points fd 2 at a pipe; a thread reads it line by line, logs Go-shaped lines
at DEBUG on `unideploy.engines.go` and passes every other line to the real stderr unchanged.
At exit fd 2 is restored and the pipe drained, so nothing written before is lost.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading

log = logging.getLogger("unideploy.engines.go")

#: klog (`I1204 12:00:00.123456 ...`) and Go's log/slog default (`2026/12/04 12:00:00 ...`).
_GO_LINE = re.compile(rb"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )")
_installed: list[tuple[int, threading.Thread]] = []


def is_go_log_line(line: bytes) -> bool:
    """True for a line in klog's or Go's standard log format."""
    return _GO_LINE.match(line) is not None


def _pump(read_fd: int, terminal_fd: int) -> None:
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                _route(line + b"\n", terminal_fd)
        if pending:
            _route(pending, terminal_fd)


def _route(line: bytes, terminal_fd: int) -> None:
    if is_go_log_line(line):
        log.debug("%s", line.decode("utf-8", "replace").rstrip("\n"))
        return
    view = memoryview(line)
    while view:
        written = os.write(terminal_fd, view)
        view = view[written:]


def divert_go_logs() -> None:
    """Route fd 2 through the filter (once per process); the console entry point calls this."""
    if _installed:
        return
    try:
        terminal = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
    except OSError:
        return
    pump = threading.Thread(
        target=_pump, args=(read_fd, terminal), name="go-log-filter", daemon=True
    )
    pump.start()
    _installed.append((terminal, pump))
    atexit.register(restore)


def restore() -> None:
    """Put the real stderr back on fd 2 and wait for the filter to pass on what it holds."""
    if not _installed:
        return
    terminal, pump = _installed.pop()
    sys.stderr.flush()
    os.dup2(terminal, 2)  # closes the pipe's last writer: the pump reads to the end and stops
    pump.join(timeout=5)

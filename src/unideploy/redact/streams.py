"""Where secrets are hidden on the way out: the terminal streams and every log line.

`install()` wraps sys.stdout/sys.stderr so each write passes through `registry.redact`; the
formatter does the same for the debug log (tracebacks included). Both are no-ops until a secret
has been registered.
"""

from __future__ import annotations

import io
import logging
import sys
from typing import Any, TextIO

from unideploy.redact.registry import redact, registered


class RedactingWriter(io.TextIOBase):
    """A text stream that writes to `inner` with every registered secret replaced by `***`."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(redact(text) if registered() else text)
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8") or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", "strict")

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # bytes would bypass redaction: callers fall back to text
            raise AttributeError(name)
        return getattr(self.inner, name)


def install() -> None:
    """Route sys.stdout and sys.stderr through redaction (idempotent)."""
    if not isinstance(sys.stdout, RedactingWriter):
        sys.stdout = RedactingWriter(sys.stdout)
    if not isinstance(sys.stderr, RedactingWriter):
        sys.stderr = RedactingWriter(sys.stderr)


class RedactingFormatter(logging.Formatter):
    """A log formatter whose output (message, arguments, traceback) never holds a secret."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

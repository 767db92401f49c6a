"""Logging for every command: the full debug log goes to a file, the terminal gets what matters.

`--debug` (or DEBUG=true, as the seed uses) also streams debug lines to stderr. Tracebacks are
written to the log file, never to the terminal.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from unideploy.redact.streams import RedactingFormatter

LOGGER = logging.getLogger("unideploy")


def debug_requested(flag: bool) -> bool:
    """True when --debug was given or DEBUG is set to a true value."""
    return flag or os.environ.get("DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def log_file() -> Path:
    """Where the debug log is written (UNIDEPLOY_LOG_FILE, else the user's cache directory)."""
    explicit = os.environ.get("UNIDEPLOY_LOG_FILE")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "unideploy" / "logs" / "debug.log"


def configure(debug: bool) -> Path | None:
    """Send everything to the debug log file; with `debug`, also to stderr. Returns the log path."""
    LOGGER.setLevel(logging.DEBUG)
    LOGGER.handlers.clear()
    LOGGER.propagate = False
    path: Path | None = log_file()
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(
            RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
        )
        LOGGER.addHandler(handler)
    except OSError:
        path = None
    if debug:
        stream = logging.StreamHandler()
        stream.setLevel(logging.DEBUG)
        stream.setFormatter(RedactingFormatter("debug: %(name)s: %(message)s"))
        LOGGER.addHandler(stream)
    return path

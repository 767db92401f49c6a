"""The one table of process exit codes; the README documents it and every command uses it."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every `unideploy` command."""

    OK = 0
    FAILED = 1
    CONFIG_ERROR = 2
    CHANGES = 3
    NEEDS_DECISION = 4
    INTERRUPTED = 130

"""The error tree every layer raises and the CLI renders uniformly.

Errors carry where they happened (file/line/column, or the step) and a hint that names the fix.
Outcomes that are not errors (skipped, changed, drifted) are values, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from unideploy.exitcodes import ExitCode


@dataclass(frozen=True)
class SourceLocation:
    """A place in a configuration file; line and column are 1-based."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        if self.column <= 0:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class UnideployError(Exception):
    """Base of every error the product reports to its user."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(
        self, message: str, *, hint: str | None = None, location: SourceLocation | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def render(self) -> str:
        """Return the one-line what plus the optional one-line hint."""
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(UnideployError):
    """Invalid stack configuration or values: a usage/config error."""

    exit_code = ExitCode.CONFIG_ERROR


class PlanError(UnideployError):
    """The stack is valid but cannot be planned (e.g. a cycle)."""

    exit_code = ExitCode.CONFIG_ERROR


class EngineError(UnideployError):
    """An engine (terraform, helm, kube, a tool process) failed."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        retryable: bool = False,
        location: SourceLocation | None = None,
    ) -> None:
        super().__init__(message, hint=hint, location=location)
        self.retryable = retryable


class GateError(UnideployError):
    """A gate (approval, promotion, security threshold) refused the run."""


class LockError(UnideployError):
    """The environment is locked by another run."""

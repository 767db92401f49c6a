"""Live progress of a run on stderr, and the final summary table: a listener of runner events.

On a terminal, coloured lines; elsewhere (CI, pipes) plain timestamped lines. Progress always goes
to stderr so `--output json` keeps stdout for the one machine document.
"""

from __future__ import annotations

import threading

from rich.console import Console
from rich.table import Table

from unideploy.execute.events import (
    Event,
    PhaseFinished,
    PhaseStarted,
    RunStarted,
    StepFinished,
    StepProgress,
    StepRetrying,
    StepStarted,
)
from unideploy.execute.result import RunResult, Status

STYLE = {
    Status.SUCCEEDED: "green",
    Status.CHANGED: "green",
    Status.UNCHANGED: "cyan",
    Status.WARNED: "yellow",
    Status.SKIPPED: "dim",
    Status.FAILED: "red",
    Status.ROLLED_BACK: "red",
    Status.CANCELLED: "yellow",
    Status.INTERRUPTED: "yellow",
}
MARK = {Status.FAILED: "✗", Status.ROLLED_BACK: "↺", Status.SKIPPED: "-", Status.WARNED: "!"}


class ProgressPrinter:
    """Prints one line per meaningful event; thread-safe (steps report from worker threads)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.plain = not console.is_terminal
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        line = self._line(event)
        if line is None:
            return
        with self._lock:
            if self.plain:
                self.console.print(f"{event.at:%H:%M:%S} {line}", markup=True, highlight=False)
            else:
                self.console.print(line, highlight=False)

    def _line(self, event: Event) -> str | None:
        if isinstance(event, RunStarted):
            return f"[bold]run {event.run_id}[/] environment [bold]{event.environment}[/]"
        if isinstance(event, PhaseStarted):
            return f"[bold]▶ {event.phase}[/] ({len(event.steps)} steps)"
        if isinstance(event, StepStarted):
            return f"  … {event.step_id}"
        if isinstance(event, StepProgress):
            return f"    {event.step_id}: {event.message}"
        if isinstance(event, StepRetrying):
            return (
                f"  [yellow]⟳ {event.step_id}[/] attempt {event.attempt} failed ({event.error}); "
                f"retrying in {event.delay:.0f} s"
            )
        if isinstance(event, StepFinished):
            result = event.result
            style = STYLE.get(result.status, "white")
            mark = MARK.get(result.status, "✓")
            reason = f" — {result.reason}" if result.reason else ""
            took = f" ({result.duration:.1f} s)" if result.duration else ""
            return f"  [{style}]{mark} {result.id}[/] {result.status.value}{took}{reason}"
        if isinstance(event, PhaseFinished):
            phase = event.result
            if phase.status is Status.SKIPPED:
                return f"[dim]- {phase.name} skipped ({phase.reason})[/]"
            style = STYLE.get(phase.status, "white")
            return f"[{style}]■ {phase.name} {phase.status.value}[/] in {phase.duration:.1f} s"
        return None


def summary_table(result: RunResult) -> Table:
    """The final table: one row per phase, with its steps' outcomes counted."""
    table = Table(title=f"run {result.run_id} · {result.environment} · {result.status.value}")
    table.add_column("phase")
    table.add_column("result")
    table.add_column("steps", justify="right")
    table.add_column("time", justify="right")
    table.add_column("note")
    for phase in result.phases:
        counts: dict[str, int] = {}
        for step in phase.steps:
            counts[step.status.value] = counts.get(step.status.value, 0) + 1
        shown = ", ".join(f"{n} {status}" for status, n in counts.items()) or "-"
        style = STYLE.get(phase.status, "white")
        table.add_row(
            phase.name,
            f"[{style}]{phase.status.value}[/]",
            shown,
            f"{phase.duration:.1f} s",
            phase.reason or "",
        )
    return table

"""Live progress of a run on stderr, and the final summary: a listener of runner events.

Each event becomes one line of styled pieces, and the summary one row per phase; a `RunOutput`
prints them (cli/run_output.py picks one). On a terminal that is `RichOutput`
(cli/rich_output.py: colours, a boxed table); elsewhere — CI, pipes, files — `PlainOutput`:
timestamped lines and an aligned table, plain text from the same pieces, without loading rich at
all (≈ 13 ms of a deploy's start-up). Progress always goes to stderr so `--output json` keeps
stdout for the one machine document.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

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
SUMMARY_COLUMNS = ("phase", "result", "steps", "time", "note")
#: Columns of the summary aligned to the right (counts and durations).
RIGHT_ALIGNED = frozenset({"steps", "time"})

#: A piece of a line: its text and a rich style ("" for none).
Piece = tuple[str, str]


class RunOutput(Protocol):
    """Where a run's lines, notes and summary go."""

    def line(self, at: datetime, pieces: Sequence[Piece]) -> None:
        """One progress line."""

    def note(self, text: str) -> None:
        """One line of prose (sandbox notes, what happened after the run)."""

    def summary(self, result: RunResult) -> None:
        """The final table."""


class PlainOutput:
    """Plain text on stderr (looked up at each write, so the redacting wrapper applies)."""

    def line(self, at: datetime, pieces: Sequence[Piece]) -> None:
        self._write(f"{at:%H:%M:%S} " + "".join(text for text, _ in pieces))

    def note(self, text: str) -> None:
        self._write(text)

    def summary(self, result: RunResult) -> None:
        rows = [SUMMARY_COLUMNS, *(tuple(text for text, _ in row) for row in summary_rows(result))]
        widths = [max(len(row[i]) for row in rows) for i in range(len(SUMMARY_COLUMNS))]
        lines = [summary_title(result)]
        for row in rows:
            cells = [
                cell.rjust(width) if column in RIGHT_ALIGNED else cell.ljust(width)
                for column, cell, width in zip(SUMMARY_COLUMNS, row, widths, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
        self._write("\n".join(lines))

    @staticmethod
    def _write(text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


class ProgressPrinter:
    """Prints one line per meaningful event; thread-safe (steps report from worker threads)."""

    def __init__(self, output: RunOutput) -> None:
        self.output = output
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        pieces = event_line(event)
        if pieces is None:
            return
        with self._lock:
            self.output.line(event.at, pieces)


def event_line(event: Event) -> list[Piece] | None:
    """The line an event is shown as, in styled pieces; None for events not shown."""
    if isinstance(event, RunStarted):
        return [
            (f"run {event.run_id}", "bold"),
            (" environment ", ""),
            (event.environment, "bold"),
        ]
    if isinstance(event, PhaseStarted):
        return [(f"▶ {event.phase}", "bold"), (f" ({len(event.steps)} steps)", "")]
    if isinstance(event, StepStarted):
        return [(f"  … {event.step_id}", "")]
    if isinstance(event, StepProgress):
        return [(f"    {event.step_id}: {event.message}", "")]
    if isinstance(event, StepRetrying):
        return [
            (f"  ⟳ {event.step_id}", "yellow"),
            (
                f" attempt {event.attempt} failed ({event.error}); retrying in {event.delay:.0f} s",
                "",
            ),
        ]
    if isinstance(event, StepFinished):
        result = event.result
        reason = f" — {result.reason}" if result.reason else ""
        took = f" ({result.duration:.1f} s)" if result.duration else ""
        return [
            (f"  {MARK.get(result.status, '✓')} {result.id}", STYLE.get(result.status, "white")),
            (f" {result.status.value}{took}{reason}", ""),
        ]
    if isinstance(event, PhaseFinished):
        phase = event.result
        if phase.status is Status.SKIPPED:
            return [(f"- {phase.name} skipped ({phase.reason})", "dim")]
        return [
            (f"■ {phase.name} {phase.status.value}", STYLE.get(phase.status, "white")),
            (f" in {phase.duration:.1f} s", ""),
        ]
    return None


def summary_title(result: RunResult) -> str:
    """The summary's title line."""
    return f"run {result.run_id} · {result.environment} · {result.status.value}"


def summary_rows(result: RunResult) -> list[tuple[Piece, ...]]:
    """One row per phase (SUMMARY_COLUMNS), with its steps' outcomes counted."""
    rows: list[tuple[Piece, ...]] = []
    for phase in result.phases:
        counts: dict[str, int] = {}
        for step in phase.steps:
            counts[step.status.value] = counts.get(step.status.value, 0) + 1
        shown = ", ".join(f"{n} {status}" for status, n in counts.items()) or "-"
        rows.append(
            (
                (phase.name, ""),
                (phase.status.value, STYLE.get(phase.status, "white")),
                (shown, ""),
                (f"{phase.duration:.1f} s", ""),
                (phase.reason or "", ""),
            )
        )
    return rows

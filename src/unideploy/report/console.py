"""The console rendering of a report: rich tables on a terminal, plain aligned text otherwise.

Run header, phases, tests per category (messages of failures in full) and blocking findings.
Reads only the report model; the caller picks the Console (stdout or stderr).
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from unideploy.report.model import CATEGORY_TITLES, Report

STYLES = {
    "passed": "green",
    "succeeded": "green",
    "changed": "green",
    "unchanged": "green",
    "failed": "bold red",
    "rolled_back": "red",
    "warned": "yellow",
    "skipped": "dim",
    "interrupted": "bold red",
    "cancelled": "red",
}


def _styled(word: str) -> Text:
    return Text(word, style=STYLES.get(word, ""))


def _table(out: Console, *columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD if out.is_terminal else None, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def render_console(report: Report, out: Console) -> None:
    """Print the report on `out`."""
    counts = report.counts()
    header = Text.assemble(
        f"run {report.run_id} · {report.environment} · ",
        _styled(report.status),
        f" · {report.duration:.1f} s",
    )
    out.print(header)
    if report.reason:
        out.print(f"  {report.reason}", markup=False)
    phases = _table(out, "phase", "status", "duration", "steps")
    for phase in report.phases:
        phases.add_row(
            phase.name, _styled(phase.status), f"{phase.duration:.1f} s", str(len(phase.steps))
        )
    out.print(phases)
    for category, tests in report.categories:
        out.print(Text(CATEGORY_TITLES.get(category, category), style="bold"))
        table = _table(out, "test", "kind", "result", "time", "message")
        for test in tests:
            table.add_row(
                test.name,
                test.kind,
                _styled(test.outcome),
                f"{test.duration:.2f} s",
                Text(test.message),
            )
        out.print(table)
    blocking = [f for f in report.findings if f.blocking]
    if blocking:
        out.print(Text(f"blocking findings ({len(blocking)})", style="bold red"))
        table = _table(out, "severity", "check", "object", "finding")
        for f in blocking[:50]:
            table.add_row(f.severity, f.check_id, f.object, Text(f.message))
        out.print(table)
    out.print(
        f"tests: {counts['passed']} passed, {counts['failed']} failed, {counts['warned']} warned, "
        f"{counts['skipped']} skipped · findings: {len(report.findings)} "
        f"({len(blocking)} blocking)"
    )

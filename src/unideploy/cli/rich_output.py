"""A run's progress and summary on a terminal: the pieces of cli/progress.py in colour, boxed.

Pieces are assembled as rich Text, never parsed as markup: a bracket in a step's message or a
reason (`[web]`) is printed as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from unideploy.cli.common import console
from unideploy.cli.progress import (
    RIGHT_ALIGNED,
    SUMMARY_COLUMNS,
    Piece,
    summary_rows,
    summary_title,
)
from unideploy.execute.result import RunResult


class RichOutput:
    """Colours and a boxed summary table on stderr."""

    def __init__(self) -> None:
        self.console = console(stderr=True)

    def line(self, at: datetime, pieces: Sequence[Piece]) -> None:
        self.console.print(Text.assemble(*pieces), highlight=False)

    def note(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def summary(self, result: RunResult) -> None:
        table = Table(title=summary_title(result))
        for column in SUMMARY_COLUMNS:
            table.add_column(column, justify="right" if column in RIGHT_ALIGNED else "left")
        for row in summary_rows(result):
            table.add_row(*(Text(text, style=style) for text, style in row))
        self.console.print(table)

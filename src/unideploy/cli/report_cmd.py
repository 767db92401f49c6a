"""`unideploy report RUN_ID`: render any recorded run (deploy or test) again, in any format.

Thin: read the run from history, build the report model, print or write it.
"""

from __future__ import annotations

from pathlib import Path

import click

from unideploy.cli.common import globals_of
from unideploy.cli.test_cmd import emit_report
from unideploy.errors import UnideployError
from unideploy.records.history import History
from unideploy.report import FORMATS, build_report


@click.command("report")
@click.argument("run_id", metavar="RUN_ID")
@click.option(
    "--format",
    "--output-format",
    "-f",
    "output_format",
    type=click.Choice(FORMATS),
    default="console",
    show_default=True,
    help="console (tables), json, junit (XML), markdown, html, or all of them.",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Shorthand: json is --format json, text is --format console.",
)
@click.option(
    "--output-file",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write the report here instead of stdout; with `all`, the directory for the files.",
)
@click.option(
    "-e", "--environment", metavar="ENV", help="With RUN_ID `last`: the newest run of ENV."
)
@click.pass_context
def report_command(
    ctx: click.Context,
    run_id: str,
    output_format: str,
    output: str | None,
    output_file: Path | None,
    environment: str | None,
) -> None:
    """Render a recorded run again: its phases, steps, tests and findings.

    RUN_ID is a run's ID or a unique prefix of it (see `unideploy history`), or `last`.

    \b
    Examples:
      unideploy report 01a217ce --format html --output-file run.html
      unideploy report last -e staging --format junit --output-file test-results.xml
    """
    if output is not None:
        output_format = "json" if output == "json" else "console"
    history = History.for_stack(globals_of(ctx).stack().root)
    if run_id == "last":
        runs = history.list_runs(environment, limit=1)
        if not runs:
            raise UnideployError(
                "no runs recorded" + (f" for {environment}" if environment else ""),
                hint="run `unideploy deploy` or `unideploy test` first",
            )
        run = runs[0]
    else:
        run = history.get(run_id)
    emit_report(build_report(run), output_format, output_file)

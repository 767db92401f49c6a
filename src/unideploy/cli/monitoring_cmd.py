"""`unideploy monitoring render`: write (or check) the alert rules and dashboard under monitoring/.

Thin: the files come from unideploy.observe.alerts; this only picks the directory and reports.
"""

from __future__ import annotations

from pathlib import Path

import click

from unideploy.cli.common import console, emit_json, globals_of, output_option
from unideploy.exitcodes import ExitCode
from unideploy.observe.alerts import rendered, stale_files, write_files


@click.group("monitoring")
def monitoring_group() -> None:
    """Deployment alert rules and Grafana dashboard, generated from one source."""


@monitoring_group.command("render")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Where the files go (default: monitoring/ beside stack.yaml).",
)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a file is stale.")
@output_option
@click.pass_context
def render_command(ctx: click.Context, directory: Path | None, check: bool, output: str) -> int:
    """Render monitoring/deployment-metrics.yaml (ConfigMap), the PrometheusRule and dashboard.

    \b
    Examples:
      unideploy monitoring render
      unideploy monitoring render --check     # in CI: fail when the files are stale
    """
    if directory is None:
        stack_path = globals_of(ctx).stack_path
        base = Path.cwd() if stack_path is None else stack_path
        directory = (base.parent if base.suffix in (".yaml", ".yml") else base) / "monitoring"
    stale = stale_files(directory) if check else write_files(directory)
    if output == "json":
        emit_json(
            {
                "directory": str(directory),
                "files": sorted(rendered()),
                ("stale" if check else "written"): stale,
            }
        )
    else:
        out = console()
        if check and stale:
            for name in stale:
                out.print(f"stale: {directory / name}")
            out.print("  hint: run `unideploy monitoring render` and commit the result")
        elif not stale:
            out.print(f"{directory}: up to date")
        else:
            for name in stale:
                out.print(f"wrote {directory / name}")
    return int(ExitCode.FAILED if check and stale else ExitCode.OK)

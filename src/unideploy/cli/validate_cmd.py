"""`unideploy validate`: load stack.yaml, layer and check every environment's values.

Thin: parse → config.validate → print. Exit 0 when valid, 2 with file:line and a hint when not.
"""

from __future__ import annotations

from pathlib import Path

import click

from unideploy.cli.common import (
    console,
    emit_json,
    environment_option,
    globals_of,
    output_option,
    values_options,
)
from unideploy.config.validate import validate_environment
from unideploy.exitcodes import ExitCode


@click.command("validate")
@environment_option(required=False)
@values_options
@output_option
@click.pass_context
def validate_command(
    ctx: click.Context,
    environment: str | None,
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
) -> int:
    """Check stack.yaml and the layered values of one environment (all when -e is left out).

    \b
    Examples:
      unideploy validate -e development
      unideploy validate -e production --set global.replicas.min=4 -o json
    """
    stack = globals_of(ctx).stack()
    names = [environment] if environment else list(stack.file.environments)
    reports = [validate_environment(stack, name, values_files, sets) for name in names]
    if output == "json":
        emit_json(
            {"stack": stack.shown(stack.path), "environments": [r.to_dict() for r in reports]}
        )
        return ExitCode.OK
    out = console()
    for report in reports:
        out.print(
            f"[green]✓[/] {report.environment}: {report.releases} releases in {report.tiers} tiers,"
            " "
            f"{report.terraform_modules} terraform modules, values from "
            f"{', '.join(report.values_files)}"
        )
        if report.pending_terraform_references:
            shown = ", ".join(report.pending_terraform_references)
            out.print(f"  resolved at deploy time from Terraform outputs: {shown}")
    return ExitCode.OK

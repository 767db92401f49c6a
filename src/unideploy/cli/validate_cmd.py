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
from unideploy.config.stack import Stack
from unideploy.config.validate import validate_environment
from unideploy.exitcodes import ExitCode


@click.command("validate")
@environment_option(required=False)
@click.option(
    "--pre-deployment",
    is_flag=True,
    help="Also run a deploy's preflight checks: engines, cluster and version skew, Terraform "
    "state locks, namespaces, RBAC. Changes nothing.",
)
@values_options
@output_option
@click.pass_context
def validate_command(
    ctx: click.Context,
    environment: str | None,
    pre_deployment: bool,
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
) -> int:
    """Check stack.yaml and the layered values of one environment (all when -e is left out).

    \b
    Examples:
      unideploy validate -e development
      unideploy validate -e production --set global.replicas.min=4 -o json
      unideploy validate -e development --pre-deployment
    """
    stack = globals_of(ctx).stack()
    names = [environment] if environment else list(stack.file.environments)
    reports = [validate_environment(stack, name, values_files, sets) for name in names]
    if pre_deployment:
        return _pre_deployment(stack, names, values_files, sets, output)
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


def _pre_deployment(
    stack: Stack,
    names: list[str],
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
) -> int:
    # The pipeline (engines, kube client) only when asked for: plain validation stays fast.
    from unideploy.cli.progress import ProgressPrinter
    from unideploy.cli.run_output import run_output
    from unideploy.service.deploy import DeployRequest
    from unideploy.service.preflight import pre_deployment

    listeners = [] if output == "json" else [ProgressPrinter(run_output())]
    results = [
        pre_deployment(stack, DeployRequest(name, values_files=values_files, sets=sets), listeners)
        for name in names
    ]
    if output == "json":
        emit_json({"environments": [result.to_dict() for result in results]})
    return max(int(result.exit_code) for result in results)

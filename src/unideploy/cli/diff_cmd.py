"""`unideploy diff`: one diff across all layers — Terraform plans and every Helm release."""

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
from unideploy.cli.diff_view import print_diff
from unideploy.exitcodes import ExitCode
from unideploy.service.deploy import DeployRequest
from unideploy.service.diff import diff


@click.command("diff")
@environment_option()
@click.option("--skip-terraform", is_flag=True, help="Leave out the Terraform plans.")
@click.option("--skip-helm", "--skip-helmfile", "skip_helm", is_flag=True, help="Leave out Helm.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 3 when something would (1 on errors).",
)
@click.option("--parallel", type=click.IntRange(1, 64), default=8, show_default=True)
@values_options
@output_option
@click.pass_context
def diff_command(
    ctx: click.Context,
    environment: str,
    skip_terraform: bool,
    skip_helm: bool,
    detailed_exitcode: bool,
    parallel: int,
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
) -> int:
    """Show what a deploy of ENV would change, changing nothing.

    \b
    Terraform: each module's plan (add/change/destroy, sensitive values redacted).
    Helm: each object rendered from the chart against the live one, after a server-side
    dry-run apply, so defaulted and server-set fields never show. Secret values are redacted.

    Examples:
      unideploy diff -e production
      unideploy diff -e staging --detailed-exitcode -o json

    Exit 1 when the diff is incomplete (e.g. the cluster is not reachable).
    """
    skip = frozenset(n for n, f in (("terraform", skip_terraform), ("helm", skip_helm)) if f)
    request = DeployRequest(
        environment, skip=skip, parallel=parallel, values_files=values_files, sets=sets
    )
    result = diff(globals_of(ctx).stack(), request)
    if output == "json":
        emit_json(result.to_dict())
    else:
        print_diff(console(), result)
    if not result.complete:
        return ExitCode.FAILED
    if detailed_exitcode and result.has_changes:
        return ExitCode.CHANGES
    return ExitCode.OK

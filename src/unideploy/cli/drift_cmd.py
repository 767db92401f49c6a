"""`unideploy drift`: desired vs live per field, Terraform plans beside it; repair on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from unideploy.cli.common import console, emit_json, environment_option, globals_of, output_option
from unideploy.drift.detect import DriftOptions, detect
from unideploy.drift.model import DriftReport
from unideploy.drift.remediate import Repair, remediate
from unideploy.exitcodes import ExitCode

MARKS = {"drifted": "~", "missing": "+", "extra": "-"}


@click.command("drift")
@environment_option()
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 when nothing drifted, 3 when something did."
)
@click.option("--remediate", "repair", is_flag=True, help="Re-apply drifted and missing objects.")
@click.option(
    "--force-conflicts", is_flag=True, help="With --remediate: take back fields others own."
)
@click.option("--prune", is_flag=True, help="Delete extra objects (ours, no longer rendered).")
@click.option("--skip-terraform", is_flag=True, help="Leave out the Terraform plans.")
@click.option(
    "--ignore-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="ignoreDifferences rules (default: ignore-differences.yaml beside stack.yaml).",
)
@click.option(
    "--terraform-outputs",
    "outputs_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="YAML/JSON {module: {output: value}} instead of reading Terraform state.",
)
@output_option
@click.pass_context
def drift_command(
    ctx: click.Context,
    environment: str,
    detailed_exitcode: bool,
    repair: bool,
    force_conflicts: bool,
    prune: bool,
    skip_terraform: bool,
    ignore_file: Path | None,
    outputs_file: Path | None,
    output: str,
) -> int:
    """Show what in ENV's cluster is not as the stack says, field by field.

    \b
    ~ drifted  fields changed by hand (live → desired); Secret values redacted
    + missing  rendered but absent from the cluster
    - extra    labelled for one of our releases but no longer rendered
    Ignored: defaulted and server-set fields, fields owned by controllers (an HPA's
    replicas), and ignore-differences.yaml rules (Argo CD's ignoreDifferences shape).

    \b
    Examples:
      unideploy drift -e production --detailed-exitcode
      unideploy drift -e staging --remediate --prune
    """
    if (force_conflicts or prune) and not repair:
        raise click.UsageError("--force-conflicts and --prune go with --remediate")
    stack = globals_of(ctx).stack()
    options = DriftOptions(
        environment,
        ignore_file=ignore_file,
        outputs_file=outputs_file,
        terraform=not skip_terraform,
    )
    report = detect(stack, options)
    repairs: list[Repair] = []
    if repair and report.objects:
        from unideploy.engines.helm.sdk import SdkHelm
        from unideploy.engines.kube.client import api_client

        context = stack.environment(environment).cluster.context
        helm = SdkHelm(stack.kubeconfig(environment), context)
        repairs = remediate(
            api_client(stack.kubeconfig(environment), context),
            report,
            recorded=lambda key: helm.deployed_manifest(*reversed(key.split("/", 1))),
            force_conflicts=force_conflicts,
            prune=prune,
        )
    if output == "json":
        document: dict[str, Any] = report.to_dict()
        if repair:
            document["remediation"] = [r.to_dict() for r in repairs]
        emit_json(document)
    else:
        _print(console(), report, repairs if repair else None)
    if report.incomplete or any(not r.ok for r in repairs):
        return ExitCode.FAILED
    if detailed_exitcode and report.has_drift and not repair:
        return ExitCode.CHANGES
    return ExitCode.OK


def _print(out: Console, report: DriftReport, repairs: list[Repair] | None) -> None:
    for obj in report.objects:
        out.print(f"{MARKS[obj.state]} {escape(obj.key)}  [dim](release {obj.release})[/dim]")
        if obj.owner is not None:
            out.print(f"    managed by {escape(obj.owner.describe())}")
        for drift in obj.fields:
            live = _text(obj.shown(drift, drift.live))
            desired = _text(obj.shown(drift, drift.desired))
            what = "added by hand" if drift.extra else f"{live} → {desired}"
            out.print(f"    {escape(drift.shown)}: {escape(what)}")
    for module in report.terraform:
        if module.plan is None:
            out.print(f"! terraform {module.module}: {escape(module.note)}")
        elif module.drifted:
            changes = [r for r in module.plan.resources if r.action != "no-op"]
            out.print(
                f"~ terraform {module.module}: {len(changes)} resource(s) would change "
                "(drift, or configuration not applied yet; a deploy applies it)"
            )
            for change in changes:
                out.print(f"    {change.action} {escape(change.address)}")
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("drifted", "missing", "extra"))
    verdict = "drift found" if report.has_drift else "no drift"
    out.print(f"{report.environment}: {verdict} ({report.checked} objects checked; {counts})")
    for repair in repairs or []:
        detail = f": {repair.detail}" if repair.detail else ""
        out.print(f"{repair.action:9} {escape(repair.key)}{escape(detail)}")


def _text(value: Any) -> str:
    if value is None:
        return "(absent)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)

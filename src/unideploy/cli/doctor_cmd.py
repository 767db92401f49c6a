"""`unideploy doctor`: why a deployment is stuck, each problem with its fix; `--fix` safe ones."""

from __future__ import annotations

import click
from rich.markup import escape

from unideploy.cli.common import console, emit_json, environment_option, globals_of, output_option
from unideploy.doctor.diagnose import examine
from unideploy.errors import UnideployError
from unideploy.exitcodes import ExitCode


@click.command("doctor")
@environment_option()
@click.option("--fix", "fix", is_flag=True, help="Apply the safe fixes (asks first).")
@click.option("--yes", "-y", is_flag=True, help="With --fix: do not ask.")
@output_option
@click.pass_context
def doctor_command(ctx: click.Context, environment: str, fix: bool, yes: bool, output: str) -> int:
    """Find what keeps ENV from deploying, and say how to get out.

    \b
    terraform     state locks: holder, age, the unlock command (stale locks: safe fix)
    helm          releases stuck in pending-* (safe fix: roll back to the last good
                  revision), failed releases with their last error, and releases a
                  deploy would stop at: fields owned by another field manager
    argocd/flux   our Applications / Kustomizations / HelmReleases not synced or not
                  ready (safe fix: ask the controller to reconcile again)
    cert-manager  Certificates, Issuers and ClusterIssuers that are not Ready

    Exit 0 when nothing is wrong (or everything found was fixed), 1 otherwise.
    """
    findings = examine(globals_of(ctx).stack(), environment)
    out = console()
    repairs: list[dict[str, str]] = []
    fixable = [f for f in findings if f.repair is not None]
    if fix and fixable:
        if output != "json":
            out.print(f"{len(fixable)} safe fix(es):")
            for finding in fixable:
                out.print(f"  {finding.area} {escape(finding.subject)}: {escape(finding.fix)}")
        if yes or (output != "json" and click.confirm("Apply them?", default=False)):
            for finding in fixable:
                assert finding.repair is not None
                try:
                    repairs.append({"subject": finding.subject, "done": finding.repair()})
                except UnideployError as exc:
                    repairs.append({"subject": finding.subject, "failed": exc.message})
    if output == "json":
        emit_json(
            {
                "environment": environment,
                "findings": [f.to_dict() for f in findings],
                "repairs": repairs,
            }
        )
    else:
        for finding in findings:
            out.print(f"✗ {finding.area} {escape(finding.subject)}: {escape(finding.problem)}")
            out.print(
                f"    fix: {escape(finding.fix)}" + (" (safe: --fix)" if finding.fixable else "")
            )
        for repair in repairs:
            what = repair.get("done") or f"failed: {repair.get('failed')}"
            out.print(f"  {escape(repair['subject'])}: {escape(what)}")
        if not findings:
            out.print(f"{environment}: nothing wrong found")
    fixed = {r["subject"] for r in repairs if "done" in r}
    remaining = [f for f in findings if f.subject not in fixed]
    return ExitCode.OK if not remaining else ExitCode.FAILED

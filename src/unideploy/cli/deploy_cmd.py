"""`unideploy deploy`: the whole pipeline for one environment (the seed's deploy-unified.sh).

Thin: parse flags → service.deploy → progress on stderr, summary table, or one JSON document.
"""

from __future__ import annotations

import os
import sys
import time
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
from unideploy.cli.progress import ProgressPrinter
from unideploy.cli.run_output import run_output
from unideploy.config.stack import Stack
from unideploy.errors import UnideployError
from unideploy.service.deploy import DeployRequest, deploy


@click.command("deploy")
@environment_option()
@click.option("--dry-run", is_flag=True, help="Plan everything, change nothing.")
@click.option("--skip-terraform", is_flag=True, help="Leave out the terraform phase.")
@click.option(
    "--skip-helm", "--skip-helmfile", "skip_helm", is_flag=True, help="Leave out the helm phase."
)
@click.option("--skip-security", is_flag=True, help="Leave out the security phase.")
@click.option("--skip-tests", is_flag=True, help="Leave out the integration tests.")
@click.option(
    "--parallel",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Independent steps run at once.",
)
@click.option(
    "--schedule",
    type=click.Choice(["tiers", "needs"]),
    default="tiers",
    show_default=True,
    help="tiers: a tier starts when the one before it is done. needs: a release starts as soon "
    "as the releases it needs are deployed, whatever its tier (faster; declare every "
    "dependency with needs).",
)
@click.option(
    "--continue-on-error",
    is_flag=True,
    help="After a failure, skip only the steps that depend on it (default: stop).",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Skip releases whose chart, values and target version are unchanged since their last "
    "successful deploy and whose objects are all present.",
)
@click.option(
    "--recover-pending",
    is_flag=True,
    help="Roll back releases stuck in pending-install/upgrade/rollback before deploying them.",
)
@click.option(
    "--force-conflicts",
    is_flag=True,
    help="Take back fields another field manager owns (kubectl scale, kubectl edit, a "
    "controller) instead of stopping with exit code 4; fields under leaveToOthers stay left.",
)
@click.option(
    "--cache-images",
    is_flag=True,
    help="List every image the releases use and pull them on every node (a short-lived "
    "DaemonSet per namespace) before the helm phases.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for the environment lock instead of failing at once.",
)
@click.option(
    "--rollback-on-test-failure",
    is_flag=True,
    help="When the integration tests fail, roll every release back to the last successful run.",
)
@click.option(
    "--approve",
    is_flag=True,
    help="Approve this deploy (environments with approval: required); recorded as $USER.",
)
@click.option(
    "--approved-by", metavar="NAME", help="Approve this deploy in NAME's name (implies --approve)."
)
@click.option(
    "--skip-promotion-gate",
    "skip_promotion",
    is_flag=True,
    help="Deploy a revision not yet successful in promoteFrom (needs --reason; audited).",
)
@click.option(
    "--reason",
    metavar="TEXT",
    help="Why the promotion gate is skipped (recorded in the audit log).",
)
@click.option(
    "--maintenance-mode",
    "maintenance",
    is_flag=True,
    help="Mark the run as maintenance: alerts inhibited, unready applications warn.",
)
@click.option(
    "--pushgateway",
    metavar="URL",
    envvar="UNIDEPLOY_PUSHGATEWAY",
    help="Push deployment metrics to this Prometheus Pushgateway.",
)
@click.option(
    "--metrics-textfile",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PATH",
    help="Write deployment metrics to this node_exporter textfile (.prom).",
)
@click.option(
    "--notify-webhook",
    metavar="URL",
    envvar="UNIDEPLOY_NOTIFY_WEBHOOK",
    help="Post a Slack-compatible message when the run ends.",
)
@values_options
@output_option
@click.pass_context
def deploy_command(
    ctx: click.Context,
    environment: str,
    dry_run: bool,
    skip_terraform: bool,
    skip_helm: bool,
    skip_security: bool,
    skip_tests: bool,
    parallel: int,
    schedule: str,
    continue_on_error: bool,
    incremental: bool,
    recover_pending: bool,
    force_conflicts: bool,
    cache_images: bool,
    lock_timeout: float,
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
    rollback_on_test_failure: bool,
    approve: bool,
    approved_by: str | None,
    skip_promotion: bool,
    reason: str | None,
    maintenance: bool,
    pushgateway: str | None,
    metrics_textfile: Path | None,
    notify_webhook: str | None,
) -> int:
    """Deploy one environment: preflight → terraform → helm tiers → security → tests.

    \b
    Exit 0 when every phase succeeded, 1 when one failed (later phases are not run),
    2 for configuration errors (nothing changed), 4 when a release needs a decision on
    fields another field manager owns (nothing applied there), 130 when interrupted.

    Examples:
      unideploy deploy -e development
      unideploy deploy -e staging --skip-terraform --debug
      unideploy deploy -e production --dry-run -o json
      unideploy deploy -e development --schedule needs --parallel 8
    """
    skip = {
        name
        for name, flag in (
            ("terraform", skip_terraform),
            ("helm", skip_helm),
            ("security", skip_security),
            ("tests", skip_tests),
        )
        if flag
    }
    request = DeployRequest(
        environment=environment,
        dry_run=dry_run,
        skip=frozenset(skip),
        parallel=parallel,
        schedule=schedule,
        continue_on_error=continue_on_error,
        incremental=incremental,
        recover_pending=recover_pending,
        force_conflicts=force_conflicts,
        cache_images=cache_images,
        lock_timeout=lock_timeout,
        values_files=values_files,
        sets=sets,
        approve=approve,
        approved_by=approved_by or None,
        skip_promotion=skip_promotion,
        reason=reason,
        maintenance=maintenance,
        pushgateway=pushgateway or None,
        metrics_textfile=metrics_textfile,
        notify_webhook=notify_webhook or None,
        confirm=_confirm if sys.stdin.isatty() and output != "json" else None,
    )
    out = run_output()
    quiet = os.environ.get("UNIDEPLOY_QUIET") == "1"
    listeners = [] if quiet else [ProgressPrinter(out)]
    stack = globals_of(ctx).stack()
    from unideploy.sandbox.notes import notes, webhook_calls

    kubeconfig = _kubeconfig(stack, environment)
    sandbox_notes = notes(kubeconfig)
    for note in sandbox_notes:
        out.note(note)
    started = time.time()
    result = deploy(stack, request, listeners)
    calls = webhook_calls(kubeconfig, started) if sandbox_notes else {}
    if calls.get("answered"):
        out.note(f"sandbox: {calls['answered']} webhook call(s) simulated during this run")
    restored = None
    if rollback_on_test_failure:
        from unideploy.service.rollback import rollback_after_failed_tests

        restored = rollback_after_failed_tests(stack, result, listeners)
    if restored is not None:
        out.note(f"tests failed: rolled back in run {restored.run_id} ({restored.status.value})")
    if output == "json":
        document = result.to_dict()
        if restored is not None:
            document["rollback"] = restored.to_dict()
        if sandbox_notes:
            document["sandbox"] = {"notes": sandbox_notes, "webhook_calls": calls}
        emit_json(document)
        return int(result.exit_code)
    if dry_run:
        from unideploy.cli.diff_view import print_diff
        from unideploy.service.diff import stack_diff

        print_diff(console(), stack_diff(result))
    out.summary(result)
    return int(result.exit_code)


def _kubeconfig(stack: Stack, environment: str) -> Path | None:
    """The environment's kubeconfig, or None when it cannot be told (deploy reports why)."""
    try:
        return stack.kubeconfig(environment)
    except UnideployError:
        return None


def _confirm(question: str) -> bool:
    return click.confirm(question, default=False, err=True)

"""`unideploy rollback`: return every release of an environment to a recorded run's revisions."""

from __future__ import annotations

import click

from unideploy.cli.common import emit_json, environment_option, globals_of, output_option
from unideploy.cli.progress import ProgressPrinter
from unideploy.cli.run_output import run_output
from unideploy.service.rollback import RollbackRequest, rollback


@click.command("rollback")
@environment_option()
@click.option("--to", "to_run", metavar="RUN_ID", help="Run to return to (default: last success).")
@click.option("--prune", is_flag=True, help="Uninstall releases that run did not have.")
@click.option("--parallel", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--lock-timeout", type=click.FloatRange(0), default=0, metavar="SECONDS")
@output_option
@click.pass_context
def rollback_command(
    ctx: click.Context,
    environment: str,
    to_run: str | None,
    prune: bool,
    parallel: int,
    lock_timeout: float,
    output: str,
) -> int:
    """Roll the whole stack back: every release to the revision a successful run recorded.

    \b
    Tiers go back in reverse order, dependents before what they need, each waited for.
    The rollback is recorded in history as its own run.

    Examples:
      unideploy rollback -e development
      unideploy rollback -e production --to 01a2…  --prune
    """
    request = RollbackRequest(environment, to_run, prune, parallel, lock_timeout)
    out = run_output()
    listeners = [] if output == "json" else [ProgressPrinter(out)]
    result = rollback(globals_of(ctx).stack(), request, listeners)
    if output == "json":
        emit_json(result.to_dict())
    else:
        out.summary(result)
    return int(result.exit_code)

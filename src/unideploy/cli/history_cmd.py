"""`unideploy history` (past runs, one run in detail) and `unideploy audit verify|show`.

Thin: open the stack's History / AuditLog, query, print. Exit 1 when the audit chain is broken.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from unideploy.cli.common import console, emit_json, environment_option, output_option
from unideploy.cli.lock_cmd import state_dir_of
from unideploy.errors import UnideployError
from unideploy.execute.result import RunResult
from unideploy.exitcodes import ExitCode
from unideploy.records.audit import AuditLog
from unideploy.records.history import History

STATE_DIR_OPTION = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Local state directory (default: .unideploy/ beside stack.yaml).",
)
STYLE = {"failed": "red", "interrupted": "yellow", "warned": "yellow", "changed": "cyan"}


def _when(run: RunResult) -> str:
    return run.started_at.strftime("%Y-%m-%d %H:%M:%S") if run.started_at else "-"


@click.command("history")
@click.argument("run_id", required=False)
@environment_option(required=False)
@click.option("--limit", default=20, show_default=True, help="Show at most this many runs.")
@STATE_DIR_OPTION
@output_option
@click.pass_context
def history_command(
    ctx: click.Context,
    run_id: str | None,
    environment: str | None,
    limit: int,
    state_dir: Path | None,
    output: str,
) -> int:
    """List past runs, newest first, or show one run (RUN_ID, or a unique prefix of it) in detail.

    \b
    Examples:
      unideploy history -e production --limit 5
      unideploy history 0194f3a2-7c1e        every phase and step of that run
      unideploy history -o json
    """
    history = History(state_dir_of(ctx, state_dir) / "history.db")
    if run_id is not None:
        run = history.get(run_id)
        if output == "json":
            emit_json(run.to_dict())
            return ExitCode.OK
        _show_run(run)
        return ExitCode.OK
    runs = history.list_runs(environment, limit)
    if output == "json":
        emit_json([r.to_dict() for r in runs])
        return ExitCode.OK
    out = console()
    if not runs:
        out.print("no runs recorded yet")
    for r in runs:  # one plain line per run: readable in a terminal, greppable in CI
        style = STYLE.get(r.status.value, "green")
        revision = str(r.revision) if r.revision else "-"
        reason = f"  {r.reason}" if r.reason else ""
        plain = f"{r.duration:>6.0f} s  {r.user}  {revision}{reason}"
        out.print(
            f"{r.run_id}  {_when(r)}  {escape(r.environment):<12} "
            f"[{style}]{r.status.value:<11}[/] {escape(plain)}"
        )
    return ExitCode.OK


def _show_run(run: RunResult) -> None:
    out = console()
    out.print(
        f"run {run.run_id} · {run.environment} · {run.status.value} · {run.duration:.1f} s",
        markup=False,
    )
    out.print(
        f"by {run.user} at {_when(run)} UTC, revision {run.revision or 'unknown'}", markup=False
    )
    if run.reason:
        out.print(f"reason: {run.reason}", markup=False)
    for phase in run.phases:
        why = f"  {phase.reason}" if phase.reason else ""
        out.print(
            f"  {phase.name:<28} {phase.status.value:<11} {phase.duration:>7.1f} s{why}",
            markup=False,
        )
        for step in phase.steps:
            tries = f" x{step.attempts}" if step.attempts > 1 else ""
            why = f"  {step.reason}" if step.reason else ""
            out.print(
                f"    {step.id:<26} {step.status.value:<11} {step.duration:>7.1f} s{tries}{why}",
                markup=False,
            )


@click.group("audit")
def audit_group() -> None:
    """Check or read the append-only audit log (.unideploy/audit.jsonl).

    Each line carries the SHA-256 of the line before it, so a changed, removed or reordered line
    breaks the chain at that line. Keep the printed head hash elsewhere to also detect lines
    removed from the end.
    """


@audit_group.command("verify")
@STATE_DIR_OPTION
@click.option("--expect-head", metavar="SHA256", help="Fail unless the chain ends at this hash.")
@output_option
@click.pass_context
def verify_command(
    ctx: click.Context, state_dir: Path | None, expect_head: str | None, output: str
) -> int:
    """Verify the hash chain of the audit log; exit 1 naming the first bad line."""
    log = AuditLog(state_dir_of(ctx, state_dir) / "audit.jsonl")
    result = log.verify()
    bad_head = result.ok and expect_head is not None and result.head != expect_head
    if output == "json":
        emit_json({**result.to_dict(), "head_matches": not bad_head})
        if not result.ok or bad_head:
            ctx.exit(ExitCode.FAILED)
        return ExitCode.OK
    if not result.ok:
        raise UnideployError(
            f"{log.path}:{result.bad_line}: audit log broken: line {result.bad_line} "
            f"{result.problem}",
            hint=f"lines before {result.bad_line} are intact; restore the log from a backup",
        )
    if bad_head:
        raise UnideployError(
            f"{log.path}: chain ends at {result.head}, not {expect_head}",
            hint="lines were removed from the end, or the log is not the one you expect",
        )
    console().print(f"audit log intact: {result.lines} lines, head {result.head}")
    return ExitCode.OK


@audit_group.command("show")
@environment_option(required=False)
@click.option("--limit", default=20, show_default=True, help="Show at most the last N entries.")
@STATE_DIR_OPTION
@output_option
@click.pass_context
def show_command(
    ctx: click.Context, environment: str | None, limit: int, state_dir: Path | None, output: str
) -> int:
    """Show the last entries of the audit log (run started/finished, forced lock releases)."""
    entries: list[dict[str, Any]] = AuditLog(state_dir_of(ctx, state_dir) / "audit.jsonl").entries()
    if environment:
        entries = [e for e in entries if e.get("data", {}).get("environment") == environment]
    entries = entries[-limit:] if limit > 0 else []
    if output == "json":
        emit_json(entries)
        return ExitCode.OK
    out = console()
    if not entries:
        out.print("the audit log is empty")
    for e in entries:
        data = e.get("data", {})
        detail = data.get("status") or data.get("holder") or ""
        at = str(e.get("at", ""))[:19].replace("T", " ")
        out.print(
            f"{e.get('seq'):>5}  {at}  {e.get('event')!s:<20} {data.get('environment', '')!s:<12} "
            f"{data.get('run_id', '')}  {detail}",
            markup=False,
        )
    return ExitCode.OK

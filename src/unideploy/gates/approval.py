"""Approval and promotion gates, checked after planning and before the environment lock is taken.

An environment with `approval: required` deploys only when someone approved: `--approve` (or
`--approved-by NAME`), the CI variable UNIDEPLOY_APPROVED_BY, or an interactive yes to the plan
summary. With `promoteFrom`, the same clean git revision must have succeeded there first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from unideploy.config.model import Approval
from unideploy.config.stack import Stack
from unideploy.errors import ConfigError, GateError
from unideploy.execute.result import OK_STATUSES, RunResult, StackRevision, local_user
from unideploy.plan.build import Plan
from unideploy.records.audit import AuditLog
from unideploy.records.history import History

# Set by a pipeline job that runs behind a protected environment (GitHub `environment:` with
# required reviewers, a GitLab protected environment with `when: manual`): the approver's name.
APPROVER_VARIABLE = "UNIDEPLOY_APPROVED_BY"
HISTORY_DEPTH = 500


@dataclass(frozen=True)
class GateRecord:
    """What the gates decided; `to_dict()` goes into the run's flags (history and audit log)."""

    environment: str
    revision: str | None = None
    approval_required: bool = False
    approved_by: str | None = None
    approval_source: str | None = None  # "flag", "ci" or "interactive"
    promote_from: str | None = None
    promoted_from_run: str | None = None
    promotion_skipped: bool = False
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data


def summarize_plan(plan: Plan) -> str:
    """A few lines naming what a deploy of `plan` would change, for the approval prompt."""
    lines = [f"{plan.stack} → {plan.environment}"]
    for phase in plan.phases:
        state = f"skipped ({phase.skipped})" if phase.skipped else f"{phase.steps} step(s)"
        lines.append(f"  {phase.name}: {state}")
    if plan.modules:
        lines.append("  terraform modules: " + ", ".join(m.name for m in plan.modules))
    for tier in plan.tiers:
        lines.append(f"  tier {tier.name}: " + ", ".join(r.name for r in tier.releases))
    return "\n".join(lines)


def find_promotion(history: History, source: str, revision: StackRevision) -> RunResult | None:
    """The newest successful, real (not dry) run of `revision` in environment `source`."""
    for run in history.list_runs(source, limit=HISTORY_DEPTH):
        same = run.revision is not None and run.revision.commit == revision.commit
        if (
            same
            and run.revision is not None
            and not run.revision.dirty
            and run.status in OK_STATUSES
            and not run.flags.get("dry_run")
            and not run.flags.get("rollback")
            and run.flags.get("command") != "test"
        ):
            return run
    return None


def _promotion_refusal(
    history: History, environment: str, source: str, revision: StackRevision | None
) -> tuple[str, str] | None:
    """(message, hint) when the promotion gate refuses; None when `revision` may go on."""
    bypass = '--skip-promotion-gate --reason "…"'
    if revision is None:
        return (
            f'deploy refused: "{environment}" takes only revisions that succeeded in "{source}", '
            "and the stack is not a git checkout, so its revision is unknown",
            f"deploy from a git checkout, or bypass with {bypass} (recorded in the audit log)",
        )
    if revision.dirty:
        return (
            f'deploy refused: the stack has uncommitted changes; "{environment}" takes only '
            f'committed revisions that succeeded in "{source}"',
            f"commit, deploy the commit to {source} (`unideploy deploy -e {source}`), then here",
        )
    if find_promotion(history, source, revision) is not None:
        return None
    last = history.last_successful(source)
    seen = (
        f"; the last successful {source} run ({last.run_id}) deployed {last.revision}"
        if last is not None and last.revision is not None
        else f"; {source} has no successful run yet"
    )
    return (
        f'deploy refused: revision {revision} has no successful run in "{source}"{seen}',
        f"deploy it there first: `unideploy deploy -e {source}`; or bypass with {bypass}",
    )


def _approval(
    environment: str,
    revision: StackRevision | None,
    *,
    approve: bool,
    approved_by: str | None,
    interactive: bool,
    plan_summary: str,
    confirm: Callable[[str], bool] | None,
    environ: Mapping[str, str],
) -> tuple[str, str]:
    """(approver, source) or GateError when nobody approved."""
    if approve or approved_by:
        return approved_by or environ.get("USER") or local_user(), "flag"
    from_ci = environ.get(APPROVER_VARIABLE, "").strip()
    if from_ci:
        return from_ci, "ci"
    if interactive and confirm is not None:
        question = (
            f"{plan_summary}\n\nEnvironment {environment!r} requires approval. "
            f"Deploy revision {revision or 'unknown'} now?"
        )
        if confirm(question):
            return environ.get("USER") or local_user(), "interactive"
        raise GateError(f'deploy of "{environment}" not approved', hint="nothing was changed")
    raise GateError(
        f'deploy refused: environment "{environment}" requires approval',
        hint=f"rerun with --approve (recorded as you) or --approved-by NAME; in CI set "
        f"{APPROVER_VARIABLE} in the protected environment's job",
    )


def check_gates(
    stack: Stack,
    environment: str,
    revision: StackRevision | None,
    *,
    approve: bool = False,
    approved_by: str | None = None,
    skip_promotion: bool = False,
    reason: str | None = None,
    interactive: bool = False,
    plan_summary: str = "",
    confirm: Callable[[str], bool] | None = None,
    dry_run: bool = False,
    run_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> GateRecord:
    """Decide whether this deploy may go on; GateError (exit 1, with a hint) when it may not.

    A dry run is never refused: what would refuse a real run comes back in `notes`. Approvals,
    bypasses and refusals of real runs are appended to the stack's audit log.
    """
    env_vars = os.environ if environ is None else environ
    env = stack.environment(environment)
    if skip_promotion and not (reason and reason.strip()):
        raise ConfigError(
            "--skip-promotion-gate needs --reason",
            hint='say why, e.g. --reason "hotfix for CVE-2026-1234, staging is down"',
        )
    audit = AuditLog.for_stack(stack.root)
    shown = str(revision) if revision else None
    base = {"run_id": run_id, "environment": environment, "revision": shown}
    required = env.approval is Approval.REQUIRED
    source = env.promote_from
    notes: list[str] = []
    promoted_from: str | None = None
    try:
        if source and not skip_promotion:
            history = History.for_stack(stack.root)
            refusal = _promotion_refusal(history, environment, source, revision)
            if refusal is not None and not dry_run:
                raise GateError(refusal[0], hint=refusal[1])
            if refusal is not None:
                notes.append(f"a real run would be refused: {refusal[0]}")
            elif revision is not None:
                found = find_promotion(history, source, revision)
                promoted_from = found.run_id if found else None
        approver = approval_source = None
        if required and dry_run:
            notes.append(f'a real run of "{environment}" needs an approval')
        elif required or approve or approved_by:
            approver, approval_source = _approval(
                environment,
                revision,
                approve=approve,
                approved_by=approved_by,
                interactive=interactive,
                plan_summary=plan_summary,
                confirm=confirm,
                environ=env_vars,
            )
    except GateError as exc:
        audit.append("gate_refused", {**base, "message": exc.message, "user": local_user()})
        raise
    record = GateRecord(
        environment=environment,
        revision=shown,
        approval_required=required,
        approved_by=approver,
        approval_source=approval_source,
        promote_from=source,
        promoted_from_run=promoted_from,
        promotion_skipped=bool(source and skip_promotion),
        reason=reason.strip() if reason else None,
        notes=tuple(notes),
    )
    if not dry_run:
        if approver is not None:
            audit.append(
                "deploy_approved", {**base, "approved_by": approver, "source": approval_source}
            )
        if record.promotion_skipped:
            audit.append(
                "promotion_gate_skipped",
                {**base, "promote_from": source, "reason": record.reason, "user": local_user()},
            )
    return record

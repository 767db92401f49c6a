"""The rollback phases: every release back to the revision a chosen run recorded.

Tiers in reverse order, and inside a tier a release goes back before the releases it needs.
Releases the chosen run did not have are kept, or uninstalled with `prune`. Each step waits for
the rolled-back objects to be ready (Helm's own watcher) and records the new head revision.
"""

from __future__ import annotations

from typing import Any

from unideploy.config.model import Release
from unideploy.engines.helm.contract import Revision
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm import release_step_ids
from unideploy.execute.result import RunResult, Status
from unideploy.execute.step import Outcome, Phase, Step, StepContext


def rollback_phases(ctx: PipelineContext, target: RunResult, prune: bool) -> list[Phase]:
    """One phase per tier, last tier first; dependents roll back before what they need."""
    ids = release_step_ids(ctx)
    recorded = {step.id: step for step in target.steps}
    needed_by: dict[str, list[str]] = {}
    for planned in ctx.plan.releases:
        release = ctx.stack.release(planned.key)
        for need in planned.needs:
            key = need if "/" in need else f"{release.namespace}/{need}"
            needed_by.setdefault(key, []).append(release.key)
    phases: list[Phase] = []
    for tier in reversed(ctx.plan.tiers):
        in_tier = {planned.key for planned in tier.releases}
        steps = []
        for planned in tier.releases:
            release = ctx.stack.release(planned.key)
            step_id = ids[release.key]
            revision = _recorded_revision(recorded.get(step_id))
            after = tuple(ids[key] for key in needed_by.get(release.key, []) if key in in_tier)
            action = _action(ctx, release, revision, target.run_id, prune)
            steps.append(Step(id=step_id, action=action, needs=after))
        phases.append(Phase(f"rollback:{tier.name}", tuple(steps)))
    return phases


def _recorded_revision(step: Any) -> int | None:
    if step is None or not step.status.is_ok:
        return None
    revision = dict(step.details).get("revision")
    return int(revision) if isinstance(revision, int) else None


def _action(
    ctx: PipelineContext, release: Release, revision: int | None, run_id: str, prune: bool
) -> Any:
    def action(step: StepContext) -> Outcome:
        engine = ctx.helm()
        history = engine.history(release.name, release.namespace)
        current = _head(history)
        if revision is None:
            if current is None:
                return Outcome(Status.UNCHANGED, f"not installed, and not in run {run_id}")
            if not prune:
                return Outcome(
                    Status.SKIPPED,
                    f"not in run {run_id}: kept at revision {current.revision} "
                    "(--prune removes it)",
                )
            step.progress(f"{release.name}: uninstalling (not in run {run_id})")
            engine.uninstall(release.name, release.namespace, timeout_s=release.timeout)
            return Outcome(Status.CHANGED, "uninstalled", {"revision": None})
        if current is not None and current.revision == revision and current.status == "deployed":
            return Outcome(
                Status.UNCHANGED, f"already at revision {revision}", {"revision": revision}
            )
        if not any(r.revision == revision for r in history):
            return Outcome(
                Status.FAILED,
                f"revision {revision} recorded by run {run_id} is no longer in the release history",
            )
        step.progress(f"{release.name}: rolling back to revision {revision}")
        head = engine.rollback(
            release.name, release.namespace, revision, timeout_s=release.timeout, wait=release.wait
        )
        details = {"revision": head.revision, "rolled_back_to": revision}
        return Outcome(Status.CHANGED, f"revision {revision} restored as {head.revision}", details)

    return action


def _head(history: list[Revision]) -> Revision | None:
    live = [r for r in history if r.status != "uninstalled"]
    return max(live, key=lambda r: r.revision) if live else None

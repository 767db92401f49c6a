"""The helm phases: one per tier, in the stack's order; one step per release, ordered by `needs`.

Each release is rendered, installed or upgraded through the Helm engine, then waited for with our
own readiness checks (progress like "web: 2/3 replicas ready"). A release that fails is rolled back
to its previous revision (uninstalled after a failed first install) when atomic; the runner skips
everything that needs it. `--dry-run` renders only.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from unideploy.config.layering import release_values
from unideploy.config.model import Release
from unideploy.engines.helm import HelmEngine, Revision
from unideploy.engines.kube import KubeReader
from unideploy.engines.readiness import wait_ready
from unideploy.errors import EngineError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.specs import release_spec
from unideploy.execute.phases.terraform import load_state_outputs
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome, Phase, Step, StepContext

PHASE_PREFIX = "helm"


def helm_phases(ctx: PipelineContext, skip_reason: str | None = None) -> list[Phase]:
    """One phase per tier (`helm:<tier>`), each with a step per release of that tier."""
    ids = release_step_ids(ctx)
    outputs_loaded = threading.Lock()
    loaded: list[bool] = []

    def ensure_outputs() -> None:
        with outputs_loaded:
            if not loaded:
                load_state_outputs(ctx)
                loaded.append(True)

    phases: list[Phase] = []
    for tier in ctx.plan.tiers:
        steps = []
        for planned in tier.releases:
            release = ctx.stack.release(planned.key)
            needs = tuple(ids[key] for key in _need_keys(planned.needs, release))
            steps.append(
                Step(
                    id=ids[release.key],
                    action=_release_action(ctx, release, ensure_outputs),
                    needs=needs,
                )
            )
        phases.append(Phase(f"{PHASE_PREFIX}:{tier.name}", tuple(steps), skip_reason))
    return phases


def release_step_ids(ctx: PipelineContext) -> dict[str, str]:
    """Step ID of each release: `helm/<name>`, or `helm/<namespace>/<name>` when names repeat."""
    counts = Counter(release.name for release in ctx.stack.file.releases)
    return {
        r.key: f"{PHASE_PREFIX}/{r.name}" if counts[r.name] == 1 else f"{PHASE_PREFIX}/{r.key}"
        for r in ctx.stack.file.releases
    }


def _need_keys(needs: tuple[str, ...], release: Release) -> list[str]:
    return [need if "/" in need else f"{release.namespace}/{need}" for need in needs]


def _release_action(ctx: PipelineContext, release: Release, ensure_outputs: Any) -> Any:
    def action(step: StepContext) -> Outcome:
        ensure_outputs()
        outputs = ctx.outputs.snapshot()
        complete = all(module.name in outputs for module in ctx.plan.modules)
        # A dry run before the first apply has no outputs yet: render with the references shown.
        use_outputs = None if ctx.dry_run and not complete else outputs
        values = release_values(ctx.stack, ctx.env_values, release, use_outputs)
        spec = release_spec(ctx, release, values, description=f"unideploy {ctx.environment}")
        engine = ctx.helm()
        rendered = engine.render(spec)
        details: dict[str, Any] = {
            "chart": f"{rendered.chart_name}-{rendered.chart_version}",
            "chart_digest": rendered.chart_digest,
            "objects": len(rendered.manifests),
        }
        if ctx.dry_run:
            return Outcome(Status.SUCCEEDED, f"{len(rendered.manifests)} objects rendered", details)
        history = engine.history(release.name, release.namespace)
        stuck = [r for r in history if r.pending]
        if stuck:
            latest = stuck[-1]
            return Outcome(
                Status.FAILED,
                f"release is stuck in {latest.status} (revision {latest.revision}, since "
                f"{latest.updated or 'unknown'}); roll it back first",
                details,
            )
        previous = _last_deployed(history)
        details["previous_revision"] = previous.revision if previous else None
        step.progress(f"{release.name}: {'upgrading' if previous else 'installing'}")
        try:
            revision = engine.upgrade(spec, cancel=step.cancel)
        except EngineError as exc:
            if exc.retryable:
                raise
            return _undo(engine, release, previous, f"{exc.message}", details)
        details["revision"] = revision.revision
        if not release.wait:
            return Outcome(Status.CHANGED, f"revision {revision.revision}", details)
        ready = wait_ready(
            KubeReader(ctx.kube()),
            rendered.manifests,
            namespace=release.namespace,
            timeout_s=release.timeout,
            cancel=step.cancel,
            progress=step.progress,
        )
        if ready.ready:
            return Outcome(Status.CHANGED, f"revision {revision.revision} ready", details)
        step.check_cancelled()
        return _undo(engine, release, previous, f"not ready: {ready.summary()}", details)

    return action


def _last_deployed(history: list[Revision]) -> Revision | None:
    deployed = [r for r in history if r.status in ("deployed", "superseded")]
    return max(deployed, key=lambda r: r.revision) if deployed else None


def _undo(
    engine: HelmEngine,
    release: Release,
    previous: Revision | None,
    reason: str,
    details: dict[str, Any],
) -> Outcome:
    if not release.atomic:
        return Outcome(Status.FAILED, reason, details)
    if previous is None:
        engine.uninstall(release.name, release.namespace, timeout_s=release.timeout)
        details["rolled_back_to"] = None
        return Outcome(Status.ROLLED_BACK, f"{reason}; first install removed", details)
    engine.rollback(release.name, release.namespace, previous.revision, timeout_s=release.timeout)
    details["rolled_back_to"] = previous.revision
    return Outcome(
        Status.ROLLED_BACK, f"{reason}; rolled back to revision {previous.revision}", details
    )

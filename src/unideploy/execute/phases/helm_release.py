"""One release's step in a helm phase: render, (maybe) skip, install or upgrade, wait, undo.

The inputs hash (chart digest + merged values + targeted Kubernetes version) and the rendered
object keys are recorded with the revision; with `--incremental` a release whose hash matches its
last successful deploy and whose objects are all live is skipped before rendering and without
calling Helm (see incremental). A release stuck in pending-* fails
with the explanation, or is rolled back first with `--recover-pending`. Before the upgrade, a dry
run as Helm's field manager finds fields another manager owns: the release is refused (nothing
applied) unless `--force-conflicts`; fields left to others are applied with their live values.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from unideploy.config.layering import release_values
from unideploy.config.model import Release
from unideploy.engines.helm.contract import (
    HelmEngine,
    ReleaseSpec,
    Rendered,
    Revision,
    has_live_revision,
)
from unideploy.engines.helm.fieldmanager import helm_field_manager
from unideploy.engines.kube.client import KubeReader
from unideploy.engines.kube.wait import wait_ready
from unideploy.engines.kube.webhooks import failed_webhook, webhook_hint
from unideploy.errors import EngineError
from unideploy.execute.maintenance import tolerates_unready, unready_warning
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.incremental import (
    inputs_hash,
    object_keys,
    skip_rendered,
    skip_unrendered,
)
from unideploy.execute.phases.ownership import check_release, conflict_message
from unideploy.execute.phases.release_diff import release_diff
from unideploy.execute.phases.specs import release_spec
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome, StepContext

#: The readiness check starts as Helm's upgrade returns, while the controllers are still rolling
#: out (a scale-up is ready in a tenth of a second on an idle cluster): look again within 50 ms,
#: then back off (0.05, 0.15, 0.35, 0.75 s, ... up to the poll interval).
FIRST_POLL_S = 0.05


def release_inputs(ctx: PipelineContext, release: Release) -> tuple[dict[str, Any], ReleaseSpec]:
    """The release's layered values (Terraform outputs resolved when known) and its spec."""
    outputs = ctx.outputs.snapshot()
    complete = all(module.name in outputs for module in ctx.plan.modules)
    # A dry run before the first apply has no outputs yet: render with the references shown.
    use_outputs = None if ctx.dry_run and not complete else outputs
    values = release_values(ctx.stack, ctx.env_values, release, use_outputs)
    return values, release_spec(ctx, release, values, description=f"unideploy {ctx.environment}")


def render_release(
    ctx: PipelineContext, release: Release
) -> tuple[dict[str, Any], ReleaseSpec, Rendered]:
    """The release's values and spec (release_inputs) and its chart rendered with them."""
    values, spec = release_inputs(ctx, release)
    # Preflight, the security gate, --cache-images and the helm step render the same release:
    # once per run for the same values.
    key = f"{release.key}:" + json.dumps(values, sort_keys=True, default=str)
    cached = ctx.renders.get(key)
    if cached is None:
        cached = ctx.renders[key] = ctx.helm().render(spec)
    return values, spec, cached


def release_action(
    ctx: PipelineContext, release: Release, step_id: str, ensure_outputs: Callable[[], None]
) -> Callable[[StepContext], Outcome]:
    """The step action deploying `release`."""

    def action(step: StepContext) -> Outcome:
        ensure_outputs()
        target = ctx.stack.environment(ctx.environment).kubernetes_version
        if ctx.incremental and not ctx.dry_run:
            values, spec = release_inputs(ctx, release)
            inputs = inputs_hash(ctx.helm().chart_digest(spec), values, target)
            unchanged = skip_unrendered(ctx, release, step_id, inputs)
            if unchanged is not None:
                return unchanged
        values, spec, rendered = render_release(ctx, release)
        engine = ctx.helm()
        details: dict[str, Any] = {
            "chart": f"{rendered.chart_name}-{rendered.chart_version}",
            "chart_digest": rendered.chart_digest,
            "objects": len(rendered.manifests),
            "inputs_hash": inputs_hash(rendered.chart_digest, values, target),
            "object_keys": object_keys(rendered.manifests, release.namespace),
        }
        if ctx.dry_run:
            return _dry_run(ctx, release, spec, rendered, details)
        history = _history(ctx, engine, release)
        head = max(history, key=lambda r: r.revision) if history else None
        if head is not None and head.pending:
            if not ctx.recover_pending:
                return Outcome(Status.FAILED, stuck_message(head), details)
            step.progress(f"{release.name}: recovering from {head.status}")
            history = _recover(engine, release, history)
        previous = last_deployed(history)
        details["previous_revision"] = previous.revision if previous else None
        unchanged = skip_rendered(ctx, step_id, details, previous)
        if unchanged is not None:
            return unchanged
        check = check_release(ctx.kube(), release, rendered.manifests, helm_field_manager())
        details["ownership"] = check.to_dict()
        if check.conflicts and not ctx.force_conflicts:
            details["needs_decision"] = True
            return Outcome(Status.FAILED, conflict_message(check.conflicts), details)
        spec = replace(
            spec,
            force_conflicts=ctx.force_conflicts,
            keep=check.kept,
            installed=has_live_revision(history),
            server_validates_fields=ctx.server_validates_fields(),
        )
        step.progress(f"{release.name}: {'upgrading' if previous else 'installing'}")
        try:
            revision = engine.upgrade(spec, cancel=step.cancel)
        except EngineError as exc:
            if exc.retryable:
                raise
            return _undo(engine, release, previous, _with_hint(ctx, exc), details)
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
            first_interval_s=FIRST_POLL_S,
        )
        if ready.ready:
            return Outcome(Status.CHANGED, f"revision {revision.revision} ready", details)
        step.check_cancelled()
        if tolerates_unready(release.tier, ctx.maintenance):
            return unready_warning(ready.summary(), details)
        return _undo(engine, release, previous, f"not ready: {ready.summary()}", details)

    return action


def _dry_run(
    ctx: PipelineContext,
    release: Release,
    spec: ReleaseSpec,
    rendered: Rendered,
    details: dict[str, Any],
) -> Outcome:
    try:
        api = ctx.kube()
        ctx.live().get("v1", "Namespace", None, release.namespace)
    except EngineError as exc:
        note = f"{len(rendered.manifests)} objects rendered; cluster not reachable: {exc.message}"
        return Outcome(Status.WARNED, note, details)
    # As the upgrade would render it: templates that `lookup` the cluster see what it holds.
    if rendered.reads_cluster:
        rendered = ctx.helm().render(spec, live=True)
    diff = release_diff(api, release, rendered, ctx.live())
    details["diff"] = diff.to_dict()
    if diff.error:
        return Outcome(Status.WARNED, f"diff incomplete: {diff.error}", details)
    if diff.conflicts and not ctx.force_conflicts:
        fields = ", ".join(f"{c['object']} {c['field']} ({c['manager']})" for c in diff.conflicts)
        note = f"would stop: field(s) owned by another field manager: {fields}"
        return Outcome(Status.CHANGED, note, details)
    if not diff.changed:
        return Outcome(Status.UNCHANGED, f"{len(diff.objects)} objects, no changes", details)
    counts = {
        action: sum(1 for o in diff.changed if o.action == action)
        for action in ("create", "update")
    }
    summary = ", ".join(f"{n} to {action}" for action, n in counts.items() if n)
    return Outcome(Status.CHANGED, summary, details)


def stuck_message(revision: Revision) -> str:
    """Why a pending release blocks the deploy, and the way out."""
    since = revision.updated or "an unknown time"
    who = f" ({revision.description})" if revision.description else ""
    return (
        f"release is stuck in {revision.status} at revision {revision.revision} since "
        f"{since}{who}; "
        "another deploy may still run, or one died mid-way — deploy with --recover-pending to "
        "roll it back first"
    )


def _history(ctx: PipelineContext, engine: HelmEngine, release: Release) -> list[Revision]:
    """The release's revisions, as far as this step needs them.

    With `--incremental` the run has already listed the namespace's Helm records for the skip
    check (helm_heads): when the newest is `deployed`, it is the last deployed revision, the one
    a failed upgrade rolls back to, and nothing is pending, so Helm's history is not read again.
    """
    if ctx.incremental:
        head = ctx.heads().head(release.name, release.namespace)
        if head is not None and head.status == "deployed":
            return [head]
    return engine.history(release.name, release.namespace, describe_deployed=False)


def last_deployed(history: list[Revision]) -> Revision | None:
    """The newest revision that was deployed (now deployed or superseded)."""
    deployed = [r for r in history if r.status in ("deployed", "superseded")]
    return max(deployed, key=lambda r: r.revision) if deployed else None


def _recover(engine: HelmEngine, release: Release, history: list[Revision]) -> list[Revision]:
    good = last_deployed(history)
    if good is None:
        engine.uninstall(release.name, release.namespace, timeout_s=release.timeout)
    else:
        engine.rollback(release.name, release.namespace, good.revision, timeout_s=release.timeout)
    return engine.history(release.name, release.namespace)


def _with_hint(ctx: PipelineContext, exc: EngineError) -> str:
    """The failure with its hint; an unreachable webhook's names its configuration and the fix."""
    hint = exc.hint
    if failed_webhook(exc.message):
        with contextlib.suppress(EngineError):
            hint = webhook_hint(ctx.kube(), exc.message) or hint
    return f"{exc.message} (hint: {hint})" if hint else exc.message


def _undo(
    engine: HelmEngine,
    release: Release,
    previous: Revision | None,
    reason: str,
    details: dict[str, Any],
) -> Outcome:
    """Undo a failed upgrade; when the undo fails too, the upgrade's own error still comes first."""
    if not release.atomic:
        return Outcome(Status.FAILED, reason, details)
    try:
        if previous is None:
            engine.uninstall(release.name, release.namespace, timeout_s=release.timeout)
        else:
            engine.rollback(
                release.name, release.namespace, previous.revision, timeout_s=release.timeout
            )
    except EngineError as undo:
        # The upgrade's own error first: it is why the release is not where it should be.
        details["rollback_error"] = undo.message
        what = (
            "removing the first install"
            if previous is None
            else f"the rollback to revision {previous.revision}"
        )
        return Outcome(Status.FAILED, f"{reason}; then {what} failed: {undo.message}", details)
    if previous is None:
        details["rolled_back_to"] = None
        return Outcome(Status.ROLLED_BACK, f"{reason}; first install removed", details)
    details["rolled_back_to"] = previous.revision
    message = f"{reason}; rolled back to revision {previous.revision}"
    return Outcome(Status.ROLLED_BACK, message, details)

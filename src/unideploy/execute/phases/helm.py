"""The helm phases: one per tier, in the stack's order; one step per release, ordered by `needs`.

Tiers are phases so they run in order while a failure skips only what needs the failed release
(with --continue-on-error). Scheduled by needs (`deploy --schedule needs`, and every diff) the
releases form one phase `helm`: each starts as soon as what it needs is done, whatever its tier.
The per-release work lives in helm_release.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from unideploy.config.model import Release
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import release_action
from unideploy.execute.step import Phase, Step

PHASE_PREFIX = "helm"


def helm_phases(
    ctx: PipelineContext,
    ensure_outputs: Callable[[], None],
    skip_reason: str | None = None,
    *,
    by_needs: bool = False,
) -> list[Phase]:
    """One phase per tier (`helm:<tier>`), each with a step per release of that tier.

    `ensure_outputs` loads Terraform outputs from state for modules the run did not apply.
    With `by_needs`, one phase `helm` holds every release (in tier order), ordered by needs only.
    """
    ids = release_step_ids(ctx)
    phases: list[Phase] = []
    for tier in ctx.plan.tiers:
        steps = []
        for planned in tier.releases:
            release = ctx.stack.release(planned.key)
            needs = tuple(ids[key] for key in _need_keys(planned.needs, release))
            steps.append(
                Step(
                    id=ids[release.key],
                    action=release_action(ctx, release, ids[release.key], ensure_outputs),
                    needs=needs,
                )
            )
        phases.append(Phase(f"{PHASE_PREFIX}:{tier.name}", tuple(steps), skip_reason))
    if by_needs and phases:
        every = tuple(step for phase in phases for step in phase.steps)
        return [Phase(PHASE_PREFIX, every, skip_reason)]
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

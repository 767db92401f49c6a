"""Assemble a deploy's phases: preflight, terraform, security gate, helm tiers, live security.

Phases the run leaves out are present but skipped with the flag that did it; phases whose feature
the stack does not configure are absent. Pure assembly: the runner runs what this returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection

from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm import helm_phases
from unideploy.execute.phases.preflight import preflight_phase
from unideploy.execute.phases.terraform import load_state_outputs, terraform_phase
from unideploy.execute.step import Phase

SKIPPABLE = ("terraform", "helm", "security", "tests")


def needs_cluster(ctx: PipelineContext, skip: Collection[str]) -> bool:
    """True when some phase of this run talks to the cluster (and so preflight must reach it)."""
    if ctx.dry_run:
        return False
    deploys = "helm" not in skip and bool(ctx.plan.releases)
    tests = "tests" not in skip and bool(ctx.stack.file.tests)
    return deploys or tests


def outputs_loader(ctx: PipelineContext) -> Callable[[], None]:
    """Load outputs from existing Terraform state once, for modules this run did not apply."""
    lock = threading.Lock()
    done: list[bool] = []

    def ensure() -> None:
        with lock:
            if not done:
                load_state_outputs(ctx)
                done.append(True)

    return ensure


def build_phases(
    ctx: PipelineContext, skip: Collection[str], *, by_needs: bool = False
) -> list[Phase]:
    """The phases in order; `skip` names phases left out by flags (e.g. {"terraform"}).

    `by_needs`: the releases run as one phase ordered by `needs` alone (no barrier between tiers).

    The security, images and tests phases are imported only when the run has them: a no-op
    redeploy should not pay for loading checks and test runners it does not use.
    """
    ensure_outputs = outputs_loader(ctx)
    skip_security = "--skip-security" if "security" in skip else None
    phases = [preflight_phase(ctx, needs_cluster(ctx, skip), ensure_outputs)]
    phases.append(terraform_phase(ctx, "--skip-terraform" if "terraform" in skip else None))
    if ctx.plan.releases and "helm" not in skip:
        if skip_security:
            phases.append(Phase("security:static", (), skip_security))
        else:
            from unideploy.execute.phases.security import static_gate_phase

            phases.append(static_gate_phase(ctx, ensure_outputs))
        if ctx.cache_images:
            from unideploy.execute.phases.images import images_phase

            phases.append(images_phase(ctx, ensure_outputs))
    skip_helm = "--skip-helm" if "helm" in skip else None
    phases.extend(helm_phases(ctx, ensure_outputs, skip_helm, by_needs=by_needs))
    if skip_security:
        phases.append(Phase("security", (), skip_security))
    elif needs_cluster(ctx, skip):
        from unideploy.execute.phases.security import live_audit_phase

        phases.append(live_audit_phase(ctx))
    if "tests" in skip or not ctx.stack.file.tests:
        reason = "--skip-tests" if "tests" in skip else "no tests defined in stack.yaml"
        phases.append(Phase("tests", (), reason))
    else:
        from unideploy.execute.phases.tests import tests_phase

        phases.append(tests_phase(ctx, None))
    return phases

"""Assemble a deploy's phases from a Plan: preflight, terraform, helm tiers, security, tests.

Phases the run leaves out are present but skipped with the flag that did it; phases whose feature
the stack does not configure are absent. Pure assembly: the runner runs what this returns.
"""

from __future__ import annotations

from collections.abc import Collection

from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm import helm_phases
from unideploy.execute.phases.preflight import preflight_phase
from unideploy.execute.phases.terraform import terraform_phase
from unideploy.execute.step import Phase

SKIPPABLE = ("terraform", "helm", "security", "tests")


def needs_cluster(ctx: PipelineContext, skip: Collection[str]) -> bool:
    """True when some phase of this run talks to the cluster (and so preflight must reach it)."""
    return not ctx.dry_run and "helm" not in skip and bool(ctx.plan.releases)


def build_phases(ctx: PipelineContext, skip: Collection[str]) -> list[Phase]:
    """The phases in order; `skip` names phases left out by flags (e.g. {"terraform"})."""
    phases = [preflight_phase(ctx, needs_cluster(ctx, skip))]
    phases.append(terraform_phase(ctx, "--skip-terraform" if "terraform" in skip else None))
    phases.extend(helm_phases(ctx, "--skip-helm" if "helm" in skip else None))
    for name in ("security", "tests"):
        if name in skip:
            phases.append(Phase(name, (), f"--skip-{name}"))
    return phases

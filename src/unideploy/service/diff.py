"""The diff use case: what a deploy would change, across Terraform and every Helm release.

Runs the terraform and helm phases as a dry run (plans and server-side dry-run applies, nothing
changed, no lock, no history) and gathers their findings into one StackDiff. A dry-run deploy's
record is turned into the same StackDiff by `stack_diff`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from unideploy.config.stack import Stack
from unideploy.diffs.unified import ObjectDiff, ReleaseDiff, StackDiff
from unideploy.execute.events import Listener
from unideploy.execute.phases.helm import helm_phases
from unideploy.execute.phases.terraform import terraform_phase
from unideploy.execute.pipeline import outputs_loader
from unideploy.execute.result import RunResult, Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.service.deploy import DeployRequest, pipeline_context


def diff(stack: Stack, request: DeployRequest, listeners: Iterable[Listener] = ()) -> StackDiff:
    """Compute the environment's diff without changing anything."""
    request = replace(request, dry_run=True)
    ctx = pipeline_context(stack, request)
    phases = []
    if "terraform" not in request.skip:
        phases.append(terraform_phase(ctx))
    if "helm" not in request.skip:
        # Dry runs change nothing: no release waits for a tier, only for what it needs.
        phases.extend(helm_phases(ctx, outputs_loader(ctx), by_needs=True))
    if ctx.plan.modules and "terraform" not in request.skip:
        ctx.terraform()
    if ctx.plan.releases and "helm" not in request.skip:
        ctx.helm()
    options = RunOptions(parallel=request.parallel, continue_on_error=True)
    result = Runner(options, listeners).run(phases, environment=request.environment)
    return stack_diff(result)


def stack_diff(result: RunResult) -> StackDiff:
    """The diff recorded in a dry run's steps."""
    plans = []
    releases = []
    notes = []
    for step in result.steps:
        details = dict(step.details)
        if step.id.startswith("terraform/") and "plan" in details:
            plans.append(details["plan"])
        elif step.id.startswith("helm/") and "diff" in details:
            releases.append(_release(details["diff"]))
        elif step.status.is_failure or step.status is Status.WARNED or step.reason:
            notes.append(f"{step.id}: {step.reason}")
    complete = all(
        "diff" in step.details or not step.id.startswith("helm/")
        for step in result.steps
        if step.status is not Status.SKIPPED
    ) and not any(step.status.is_failure for step in result.steps)
    return StackDiff(result.environment, tuple(plans), tuple(releases), tuple(notes), complete)


def _release(recorded: Mapping[str, Any]) -> ReleaseDiff:
    changes = recorded.get("changes") or []
    objects = tuple(
        ObjectDiff(str(c["object"]), str(c["action"]), str(c.get("diff") or ""))
        for c in changes
        if isinstance(c, dict)
    )
    unchanged = int(recorded.get("unchanged") or 0)
    kept = tuple(ObjectDiff(f"(unchanged {i})", "unchanged") for i in range(unchanged))
    error = recorded.get("error")
    return ReleaseDiff(
        str(recorded["release"]),
        str(recorded["namespace"]),
        objects + kept,
        error=str(error) if error else None,
        conflicts=tuple(c for c in recorded.get("conflicts") or () if isinstance(c, dict)),
        left=tuple(item for item in recorded.get("left_to_others") or () if isinstance(item, dict)),
    )

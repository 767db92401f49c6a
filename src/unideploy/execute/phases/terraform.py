"""The terraform phase: per module, init (cached) → plan -out → apply exactly that plan → outputs.

One step per module (`terraform/<module>`), independent of each other. `--dry-run` stops after the
plan. Outputs go to the run's OutputStore for the helm phase; sensitive ones never reach history.
"""

from __future__ import annotations

from typing import Any

from unideploy.engines.terraform.model import PlanSummary
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome, Phase, Step, StepContext
from unideploy.plan.build import PlannedModule

PHASE = "terraform"


def terraform_phase(ctx: PipelineContext, skip_reason: str | None = None) -> Phase:
    """The phase with one step per Terraform module of the plan."""
    steps = tuple(
        Step(id=f"{PHASE}/{module.name}", action=_module_action(ctx, module))
        for module in ctx.plan.modules
    )
    return Phase(PHASE, steps, skip_reason)


def _module_action(ctx: PipelineContext, module: PlannedModule) -> Any:
    def action(step: StepContext) -> Outcome:
        engine = ctx.terraform()
        workspace = ctx.workspace(module.name)
        step.progress(f"{module.name}: init")
        engine.init(workspace)
        step.check_cancelled()
        step.progress(f"{module.name}: plan")
        summary = engine.plan(workspace, dict(module.vars), cancel=step.cancel)
        details: dict[str, Any] = {"plan": summary.to_dict(), "plan_hash": summary.changes_sha256}
        if ctx.dry_run:
            return Outcome(_status(summary), summary_line(summary), details)
        step.check_cancelled()
        if summary.has_changes:
            step.progress(f"{module.name}: apply {summary_line(summary)}")
            engine.apply(summary, cancel=step.cancel)
        outputs = engine.outputs(workspace)
        ctx.outputs.put(module.name, {name: out.value for name, out in outputs.items()})
        details["outputs"] = {name: out.display() for name, out in outputs.items()}
        return Outcome(_status(summary), summary_line(summary), details)

    return action


def load_state_outputs(ctx: PipelineContext) -> None:
    """Read outputs from existing state for modules the run did not apply (skipped or dry run)."""
    for module in ctx.plan.modules:
        if ctx.outputs.has(module.name):
            continue
        workspace = ctx.workspace(module.name)
        if not workspace.state_file.is_file():
            continue
        outputs = ctx.terraform().outputs(workspace)
        ctx.outputs.put(module.name, {name: out.value for name, out in outputs.items()})


def summary_line(summary: PlanSummary) -> str:
    """`+1 ~0 -0` style counts, or "no changes"."""
    if not summary.has_changes:
        return "no changes"
    counts = f"{summary.add} to add, {summary.change} to change, {summary.destroy} to destroy"
    changed_outputs = sum(1 for o in summary.outputs if o.action != "no-op")
    return counts + (f", {changed_outputs} output(s) changed" if changed_outputs else "")


def _status(summary: PlanSummary) -> Status:
    return Status.CHANGED if summary.has_changes else Status.UNCHANGED

"""A phase with `run_all` runs every step even after one failed; the run still stops after it."""

from __future__ import annotations

from unideploy.execute.result import Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Outcome, Phase, Step, StepContext


def fails(ctx: StepContext) -> Outcome:
    return Outcome(Status.FAILED, "cluster unreachable")


def passes(ctx: StepContext) -> Outcome:
    return Outcome(Status.SUCCEEDED, "fine")


def run(run_all: bool) -> dict[str, Status]:
    checks = Phase(
        "preflight",
        (
            Step("preflight/cluster", fails),
            Step("preflight/endpoints", passes),
            Step("preflight/rbac", passes, needs=("cluster",)),
        ),
        run_all=run_all,
    )
    later = Phase("terraform", (Step("terraform/net", passes),))
    options = RunOptions(handle_signals=False, poll_interval=0.01, parallel=1)
    result = Runner(options).run([checks, later], environment="dev")
    return {step.id: step.status for step in result.steps}


def test_run_all_reports_every_independent_check_and_stops_after_the_phase() -> None:
    statuses = run(run_all=True)
    assert statuses["preflight/endpoints"] is Status.SUCCEEDED
    assert statuses["preflight/rbac"] is Status.SKIPPED
    assert statuses["terraform/net"] is Status.SKIPPED


def test_without_run_all_fail_fast_skips_the_rest_of_the_phase() -> None:
    statuses = run(run_all=False)
    assert statuses["preflight/endpoints"] is Status.SKIPPED
    assert statuses["terraform/net"] is Status.SKIPPED

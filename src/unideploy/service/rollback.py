"""The whole-stack rollback use case: every release back to what a successful run recorded.

Takes the environment lock like a deploy, runs the rollback phases, and records itself in history
as its own run (so a later rollback can return to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from unideploy.config.stack import Stack
from unideploy.errors import GateError
from unideploy.execute.events import Listener
from unideploy.execute.lock import environment_lock
from unideploy.execute.phases.preflight import check_lock_access
from unideploy.execute.phases.rollback import rollback_phases
from unideploy.execute.result import RunResult, new_run_id
from unideploy.execute.runner import Runner, RunOptions
from unideploy.records.audit import AuditLog, audit_listener
from unideploy.records.history import History, stack_revision, start_saving_run
from unideploy.service.deploy import DeployRequest, pipeline_context


@dataclass(frozen=True)
class RollbackRequest:
    """Which environment, back to which run (default: the last successful deploy)."""

    environment: str
    to_run: str | None = None
    prune: bool = False
    parallel: int = 4
    lock_timeout: float = 0.0


def target_run(stack: Stack, request: RollbackRequest) -> RunResult:
    """The run to return to: the named one, or the newest successful run with Helm revisions."""
    history = History.for_stack(stack.root)
    if request.to_run:
        run = history.get(request.to_run)
        if run.environment != request.environment:
            raise GateError(
                f"run {run.run_id} deployed {run.environment}, not {request.environment}",
                hint="pick a run of this environment from `unideploy history -e ENV`",
            )
        return run
    for run in history.list_runs(request.environment, limit=200):
        if run.status.is_ok and any(
            "revision" in step.details for step in run.steps if step.id.startswith("helm/")
        ):
            return run
    raise GateError(
        f'no successful run of "{request.environment}" with Helm releases is recorded',
        hint="deploy successfully first, or name a run with --to RUN_ID",
    )


def rollback(
    stack: Stack, request: RollbackRequest, listeners: Iterable[Listener] = ()
) -> RunResult:
    """Roll every release of the environment back to the target run's revisions."""
    target = target_run(stack, request)
    ctx = pipeline_context(stack, DeployRequest(request.environment))
    run_id = new_run_id()
    kube = ctx.kube()
    check_lock_access(kube, request.environment)  # a missing grant named before anything moves
    lock = environment_lock(
        request.environment,
        run_id=run_id,
        state_dir=stack.state_dir,
        kube=kube,
        timeout=request.lock_timeout,
    )
    audit = AuditLog.for_stack(stack.root)
    with lock:
        ctx.helm()
        runner = Runner(RunOptions(parallel=request.parallel), [*listeners, audit_listener(audit)])
        result = runner.run(
            rollback_phases(ctx, target, request.prune),
            environment=request.environment,
            run_id=run_id,
            revision=stack_revision(stack.root),
            flags={"rollback": True, "to_run": target.run_id, "prune": request.prune},
        )
        # Recorded before the lock goes; the cluster mirror is waited for while it is released.
        mirror_outcome = start_saving_run(result, state_dir=stack.state_dir, kube=kube)
    mirror_outcome()  # a failed mirror is logged as a warning
    return result


def rollback_after_failed_tests(
    stack: Stack, deployed: RunResult, listeners: Iterable[Listener] = ()
) -> RunResult | None:
    """`--rollback-on-test-failure`: when the deploy's tests failed, return to the last success."""
    tests = next((p for p in deployed.phases if p.name == "tests"), None)
    if tests is None or not tests.status.is_failure:
        return None
    return rollback(stack, RollbackRequest(deployed.environment), listeners)

"""The deploy use case: validate, plan, lock the environment, run the phases, record the run.

Everything that can be refused is refused before the lock is taken (config errors) or before the
runner starts (the lock). The run is recorded in history and the audit log whatever its outcome.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.config.layering import load_environment_values
from unideploy.config.stack import Stack
from unideploy.config.validate import validate_environment
from unideploy.errors import EngineError
from unideploy.execute.events import Listener
from unideploy.execute.lock import environment_lock
from unideploy.execute.maintenance import maintenance_flags
from unideploy.execute.phases.context import ClusterTarget, PipelineContext
from unideploy.execute.pipeline import build_phases, needs_cluster
from unideploy.execute.result import RunResult, StepResult, new_run_id
from unideploy.execute.retry import RetryPolicy
from unideploy.execute.runner import Runner, RunOptions
from unideploy.gates.approval import check_gates, summarize_plan
from unideploy.observe.metrics import MetricsListener, prior_runs
from unideploy.observe.notify import NotifyListener
from unideploy.plan.build import build_plan
from unideploy.records.audit import AuditLog, audit_listener
from unideploy.records.history import History, stack_revision, start_saving_run

LOG = logging.getLogger("unideploy.deploy")


@dataclass(frozen=True)
class DeployRequest:
    """What the user asked for."""

    environment: str
    dry_run: bool = False
    skip: frozenset[str] = frozenset()
    parallel: int = 4
    continue_on_error: bool = False
    incremental: bool = False
    recover_pending: bool = False
    force_conflicts: bool = False
    cache_images: bool = False
    lock_timeout: float = 0.0
    values_files: tuple[Path, ...] = ()
    sets: tuple[str, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    approve: bool = False
    approved_by: str | None = None
    skip_promotion: bool = False
    reason: str | None = None
    maintenance: bool = False
    pushgateway: str | None = None
    metrics_textfile: Path | None = None
    notify_webhook: str | None = None
    schedule: str = "tiers"  # or "needs": no barrier between tiers, `needs` alone orders
    confirm: Callable[[str], bool] | None = field(default=None, compare=False)

    def flags(self) -> dict[str, Any]:
        """The flags as recorded in history and the audit log."""
        return {
            "dry_run": self.dry_run,
            "skip": sorted(self.skip),
            "parallel": self.parallel,
            "continue_on_error": self.continue_on_error,
            "incremental": self.incremental,
            "recover_pending": self.recover_pending,
            "force_conflicts": self.force_conflicts,
            "cache_images": self.cache_images,
            "schedule": self.schedule,
            "values_files": [str(p) for p in self.values_files],
            "sets": [s.split("=", 1)[0] + "=…" for s in self.sets],
            **maintenance_flags(self.maintenance),
        }


def pipeline_context(stack: Stack, request: DeployRequest) -> PipelineContext:
    """Plan the run and wire the engines for the environment's cluster (created lazily)."""
    validate_environment(stack, request.environment, request.values_files, request.sets)
    env_values = load_environment_values(
        stack, request.environment, request.values_files, request.sets
    )
    plan = build_plan(stack, request.environment, request.skip)
    env = stack.environment(request.environment)
    cluster = ClusterTarget(stack.kubeconfig(request.environment), env.cluster.context)
    tf = stack.file.terraform

    def make_terraform() -> Any:
        from unideploy.engines.terraform.contract import terraform_engine

        mirror = stack.resolve(tf.plugin_mirror) if tf.plugin_mirror else None
        binary = stack.resolve(tf.binary) if tf.binary else None
        return terraform_engine(tf.engine.value, plugin_mirror=mirror, binary=binary)

    def make_helm() -> Any:
        from unideploy.engines.helm.sdk import SdkHelm

        return SdkHelm(cluster.kubeconfig, cluster.context)

    def make_kube() -> Any:
        from unideploy.engines.kube.client import api_client

        return api_client(cluster.kubeconfig, cluster.context)

    last_success = _last_successes(History.for_stack(stack.root), request.environment)

    return PipelineContext(
        stack=stack,
        plan=plan,
        env_values=env_values,
        cluster=cluster,
        dry_run=request.dry_run,
        incremental=request.incremental,
        recover_pending=request.recover_pending,
        force_conflicts=request.force_conflicts,
        cache_images=request.cache_images,
        maintenance=request.maintenance,
        last_success=last_success,
        make_terraform=make_terraform,
        make_helm=make_helm,
        make_kube=make_kube,
    )


def deploy(stack: Stack, request: DeployRequest, listeners: Iterable[Listener] = ()) -> RunResult:
    """Run the whole pipeline for one environment and return its record."""
    ctx = pipeline_context(stack, request)
    run_id = new_run_id()
    revision = stack_revision(stack.root)
    gates = check_gates(
        stack,
        request.environment,
        revision,
        approve=request.approve,
        approved_by=request.approved_by,
        skip_promotion=request.skip_promotion,
        reason=request.reason,
        interactive=request.confirm is not None,
        plan_summary=summarize_plan(ctx.plan),
        confirm=request.confirm,
        dry_run=request.dry_run,
        run_id=run_id,
    )
    for note in gates.notes:
        LOG.warning(note)
    audit = AuditLog.for_stack(stack.root)
    counts = None
    if request.pushgateway is not None or request.metrics_textfile is not None:
        earlier = History.for_stack(stack.root).outcomes(request.environment)
        counts = prior_runs(earlier, exclude=run_id)  # counters continue from history
    metrics = MetricsListener(
        pushgateway=request.pushgateway,
        textfile=request.metrics_textfile,
        maintenance=request.maintenance,
        dry_run=request.dry_run,
        history_counts=counts,
    )
    notifier = NotifyListener(request.notify_webhook)
    kube = _lock_client(ctx, request)
    options = RunOptions(
        parallel=request.parallel,
        continue_on_error=request.continue_on_error,
        retry=request.retry,
    )
    runner = Runner(options, listeners=[*listeners, audit_listener(audit), metrics, notifier])
    lock = environment_lock(
        request.environment,
        run_id=run_id,
        state_dir=stack.state_dir,
        kube=kube,
        timeout=request.lock_timeout,
        on_lost=lambda why: runner.cancel(f"lost the environment lock: {why}"),
    )
    with lock:
        _load_engines(ctx, request)
        result = runner.run(
            build_phases(ctx, request.skip, by_needs=request.schedule == "needs"),
            environment=request.environment,
            run_id=run_id,
            revision=revision,
            flags={**request.flags(), "gates": gates.to_dict()},
        )
        # Recorded before the lock is let go: a deploy of this environment waiting for the lock
        # then reads this run (incremental's last successes, the promotion gate) from history.
        # The cluster mirror is written while the lock is released.
        mirror_outcome = start_saving_run(result, state_dir=stack.state_dir, kube=kube)
    for warning in mirror_outcome():
        LOG.warning(warning)
    return result


def _last_successes(
    history: History, environment: str
) -> Callable[[str], Mapping[str, Any] | None]:
    """Each step's last successful details: the history is read once, at the first question.

    Every release of an incremental run asks; they ask from worker threads, at once.
    """
    lock = threading.Lock()
    known: dict[str, StepResult] | None = None

    def last_success(step_id: str) -> Mapping[str, Any] | None:
        nonlocal known
        with lock:
            if known is None:
                known = history.last_steps(environment)
        step = known.get(step_id)
        return dict(step.details) if step is not None else None

    return last_success


def _load_engines(ctx: PipelineContext, request: DeployRequest) -> None:
    """Load the engines in the main thread, before the runner takes SIGINT/SIGTERM.

    Terraform and Helm load Go runtimes (engines/go_signals keeps SIGINT/SIGTERM with Python);
    loaded first, the runner's handlers go on top and an interrupt reaches the runner.
    """
    if ctx.plan.modules and "terraform" not in request.skip:
        ctx.terraform()
    if ctx.plan.releases and "helm" not in request.skip:
        ctx.helm()
    if "tests" not in request.skip and not request.dry_run and ctx.stack.file.tests:
        from unideploy.execute.phases.tests import load_engines as load_test_engines

        load_test_engines(ctx)


def _lock_client(ctx: PipelineContext, request: DeployRequest) -> Any:
    """A kube client for the Lease when the cluster is reachable; None means a local file lock."""
    if request.dry_run or (ctx.cluster.kubeconfig is None and not needs_cluster(ctx, request.skip)):
        return None
    try:
        client = ctx.kube()
        ctx.server_version()
    except EngineError as exc:
        LOG.warning("cluster not reachable for the environment lock, using a local lock: %s", exc)
        return None
    from unideploy.execute.phases.preflight import check_lock_access

    check_lock_access(client, request.environment)
    return client

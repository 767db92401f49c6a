"""The tests phase: one `tests/<name>` step per integration test selected for the environment.

Runs after security. Each step resolves its case's `${…}` references (values, Terraform outputs),
runs it through tests_runtime with its retries, and ends succeeded, failed, or warned where the
environment's `tests.onFailure` says warn. At most `tests.parallel` tests run at once.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from unideploy.config.layering import release_values
from unideploy.config.tests_model import (
    Category,
    OnFailure,
    TestCase,
    TestSuite,
    parse_tests,
    resolve_case,
)
from unideploy.errors import UnideployError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.specs import release_spec
from unideploy.execute.phases.terraform import load_state_outputs
from unideploy.execute.result import Status
from unideploy.execute.retry import NO_RETRY
from unideploy.execute.step import Outcome, Phase, Step, StepContext
from unideploy.tests_runtime import TestEnv, TestOutcome, run_case

PHASE = "tests"


def tests_phase(
    ctx: PipelineContext,
    skip_reason: str | None,
    *,
    categories: Collection[Category] = (),
    update_baseline: bool = False,
) -> Phase:
    """The phase: a step per selected test (none when the stack defines no tests).

    A dry run deploys nothing, so its tests are present but skipped.
    """
    if skip_reason is None and ctx.dry_run:
        skip_reason = "--dry-run: nothing was deployed to test"
    suite = parse_tests(ctx.stack)
    cases = suite.select(ctx.environment, tuple(categories))
    outputs = _OutputsOnce(ctx)
    env = test_env(ctx, suite, update_baseline, outputs)
    gate = threading.BoundedSemaphore(suite.parallel)
    steps = tuple(
        Step(
            id=f"{PHASE}/{case.name}",
            action=_action(ctx, suite, case, env, gate, outputs),
            retry=NO_RETRY,
        )
        for case in cases
    )
    return Phase(PHASE, steps, skip_reason)


def load_engines(ctx: PipelineContext, categories: Collection[Category] = ()) -> None:
    """Load the engines the selected tests need in this (the main) thread, before the runner.

    Rendering releases needs Helm and Terraform outputs need Terraform; both load Go runtimes
    that must not install their signal handlers from a worker thread.
    """
    cases = parse_tests(ctx.stack).select(ctx.environment, tuple(categories))
    renders = any(getattr(case, "scope", None) == "releases" for case in cases)
    uses_outputs = any("${terraform." in case.model_dump_json(by_alias=True) for case in cases)
    if ctx.plan.modules and ctx.make_terraform is not None and (renders or uses_outputs):
        ctx.terraform()
    if renders and ctx.make_helm is not None:
        ctx.helm()


class _OutputsOnce:
    """Terraform outputs for references: this run's, else read once from the modules' state."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx
        self.lock = threading.Lock()
        self.loaded = False

    def get(self, needed: bool) -> dict[str, dict[str, Any]]:
        if needed:
            with self.lock:
                if not self.loaded and self.ctx.make_terraform is not None:
                    self.loaded = True
                    load_state_outputs(self.ctx)
        return self.ctx.outputs.snapshot()


def test_env(
    ctx: PipelineContext,
    suite: TestSuite,
    update_baseline: bool = False,
    outputs: _OutputsOnce | None = None,
) -> TestEnv:
    """What the runners may use in this run: the cluster, rendering, policy, baselines."""
    once = outputs or _OutputsOnce(ctx)
    overrides = (ctx.stack.file.security or {}).get(ctx.environment) or {}
    security = ctx.env_values.global_values.get("security") or {}
    return TestEnv(
        environment=ctx.environment,
        root=ctx.stack.root,
        kube=ctx.kube if ctx.make_kube is not None else None,
        render=(lambda names: render_releases(ctx, names, once)) if ctx.make_helm else None,
        security=(dict(security), dict(overrides)),
        baseline_dir=ctx.stack.resolve(suite.baselines),
        update_baseline=update_baseline,
    )


def render_releases(
    ctx: PipelineContext, names: Sequence[str], outputs: _OutputsOnce | None = None
) -> list[tuple[str, Mapping[str, Any]]]:
    """Render the named releases (all when none) offline, as (`helm/<name>`, object) pairs."""
    wanted = [ctx.stack.release(name) for name in names] or list(ctx.stack.file.releases)
    known = (outputs or _OutputsOnce(ctx)).get(bool(ctx.plan.modules))
    found: list[tuple[str, Mapping[str, Any]]] = []
    for release in wanted:
        values = release_values(ctx.stack, ctx.env_values, release, known or None)
        rendered = ctx.helm().render(release_spec(ctx, release, values))
        found += [(f"helm/{release.name}", obj) for obj in rendered.manifests]
    return found


def _action(
    ctx: PipelineContext,
    suite: TestSuite,
    case: TestCase,
    env: TestEnv,
    gate: threading.BoundedSemaphore,
    outputs: _OutputsOnce,
) -> Callable[[StepContext], Outcome]:
    def action(step: StepContext) -> Outcome:
        base = {"category": case.category.value, "kind": case.kind}
        with gate:
            step.check_cancelled()
            needs_tf = "${terraform." in case.model_dump_json(by_alias=True)
            try:
                refs = ctx.env_values.context(outputs.get(needs_tf))
                resolved = resolve_case(case, refs)
            except UnideployError as exc:
                details = {**base, "duration": 0.0, "message": exc.message, "passed": False}
                return Outcome(Status.FAILED, exc.message, details)
            result = run_case(resolved, dataclasses.replace(env, cancel=step.cancel), step.progress)
        return outcome_of(result, suite.policy(ctx.environment), ctx.environment)

    return action


def outcome_of(result: TestOutcome, policy: OnFailure, environment: str) -> Outcome:
    """The step's outcome for a test's result under the environment's failure policy."""
    details: dict[str, Any] = {
        "category": result.category,
        "kind": result.kind,
        "passed": result.passed,
        "duration": result.duration,
        "attempts": result.attempts,
        "message": result.message,
        **result.details,
    }
    tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    if result.passed:
        return Outcome(Status.SUCCEEDED, result.message, details)
    if policy is OnFailure.WARN and not result.cancelled:
        reason = f"failed{tries} (warn only in {environment}): {result.message}"
        return Outcome(Status.WARNED, reason, details)
    return Outcome(Status.FAILED, f"{result.message}{tries}", details)

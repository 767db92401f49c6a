"""The pre-deployment checks on their own (`unideploy validate --pre-deployment`).

Runs only the deploy's preflight phase, exactly as a deploy would, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from unideploy.config.stack import Stack
from unideploy.execute.events import Listener
from unideploy.execute.phases.preflight import preflight_phase
from unideploy.execute.pipeline import needs_cluster
from unideploy.execute.result import RunResult
from unideploy.execute.runner import Runner, RunOptions
from unideploy.service.deploy import DeployRequest, pipeline_context


def pre_deployment(
    stack: Stack, request: DeployRequest, listeners: Iterable[Listener] = ()
) -> RunResult:
    """Run the preflight checks of a deploy of `request.environment`."""
    ctx = pipeline_context(stack, request)
    phase = preflight_phase(ctx, needs_cluster(ctx, request.skip))
    runner = Runner(RunOptions(parallel=request.parallel), listeners=listeners)
    return runner.run([phase], environment=request.environment, flags={"pre_deployment": True})

"""Run a Plan's steps through the engines and record what happened.

`runner` schedules phases and steps; `lock` guards an environment while a run lasts; `result`
holds the frozen RunResult every later layer reads. `phases/` turns a Plan into runnable steps.
"""

from __future__ import annotations

from unideploy.execute.result import PhaseResult, RunResult, Status, StepResult
from unideploy.execute.retry import RetryPolicy
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Outcome, Phase, Step, StepCancelled, StepContext

__all__ = [
    "Outcome",
    "Phase",
    "PhaseResult",
    "RetryPolicy",
    "RunOptions",
    "RunResult",
    "Runner",
    "Status",
    "Step",
    "StepCancelled",
    "StepContext",
    "StepResult",
]

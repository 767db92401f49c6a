"""Retries with backoff, and per-step timeouts."""

from __future__ import annotations

import itertools
import time

import pytest

from unideploy.errors import EngineError
from unideploy.execute.events import Event, StepRetrying
from unideploy.execute.result import Status
from unideploy.execute.retry import RetryPolicy
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Outcome, Phase, Step, StepContext


def test_default_policy_is_the_seeds() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n) for n in range(1, 6)] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert policy.next_delay(attempts=5, elapsed=0.0) == 80.0
    assert policy.next_delay(attempts=6, elapsed=0.0) is None  # limit 5 retries
    assert policy.next_delay(attempts=3, elapsed=170.0) is None  # 170 + 20 > 180 s


def test_retryable_errors_are_retried_with_growing_backoff() -> None:
    calls: list[float] = []
    retries: list[StepRetrying] = []

    def flaky(ctx: StepContext) -> Outcome:
        calls.append(time.monotonic())
        if len(calls) < 4:
            raise EngineError("apiserver busy", retryable=True)
        return Outcome(Status.CHANGED)

    def listen(event: Event) -> None:
        if isinstance(event, StepRetrying):
            retries.append(event)

    options = RunOptions(
        handle_signals=False,
        poll_interval=0.01,
        retry=RetryPolicy(limit=5, backoff=0.02, factor=2.0, max_duration=10.0),
    )
    result = Runner(options, [listen]).run(
        [Phase("helm", (Step("helm/a", flaky),))], environment="dev"
    )
    step = result.step("helm/a")
    assert step.status is Status.CHANGED
    assert step.attempts == 4
    assert [r.delay for r in retries] == pytest.approx([0.02, 0.04, 0.08])
    assert [r.attempt for r in retries] == [1, 2, 3]
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert all(gap >= delay * 0.9 for gap, delay in zip(gaps, [0.02, 0.04, 0.08], strict=True))


def test_retry_limit_gives_up_and_says_so() -> None:
    calls = 0

    def always_busy(ctx: StepContext) -> None:
        nonlocal calls
        calls += 1
        raise EngineError("apiserver busy", retryable=True)

    options = RunOptions(
        handle_signals=False, retry=RetryPolicy(limit=2, backoff=0.001, max_duration=5.0)
    )
    result = Runner(options).run([Phase("helm", (Step("helm/a", always_busy),))], environment="dev")
    assert calls == 3
    assert result.step("helm/a").status is Status.FAILED
    assert result.step("helm/a").reason == "apiserver busy (gave up after 3 attempts)"


def test_non_retryable_errors_are_not_retried() -> None:
    calls = 0

    def broken(ctx: StepContext) -> None:
        nonlocal calls
        calls += 1
        raise EngineError("invalid chart", hint="fix the chart")

    options = RunOptions(handle_signals=False, retry=RetryPolicy(backoff=0.001))
    result = Runner(options).run([Phase("helm", (Step("helm/a", broken),))], environment="dev")
    assert calls == 1
    assert result.step("helm/a").details["hint"] == "fix the chart"


def test_step_policy_overrides_runner_policy() -> None:
    calls = 0

    def busy(ctx: StepContext) -> None:
        nonlocal calls
        calls += 1
        raise EngineError("busy", retryable=True)

    step = Step("helm/a", busy, retry=RetryPolicy(limit=0))
    options = RunOptions(handle_signals=False, retry=RetryPolicy(limit=5, backoff=0.001))
    Runner(options).run([Phase("helm", (step,))], environment="dev")
    assert calls == 1


def test_timeout_cancels_a_cooperative_step_and_fails_it() -> None:
    seen_cancel: list[bool] = []

    def slow(ctx: StepContext) -> None:
        try:
            ctx.sleep(30)
        finally:
            seen_cancel.append(ctx.cancelled)

    began = time.monotonic()
    options = RunOptions(handle_signals=False, poll_interval=0.01, continue_on_error=True)
    result = Runner(options).run(
        [
            Phase(
                "helm",
                (Step("helm/slow", slow, timeout=0.2), Step("helm/ok", lambda ctx: None)),
            )
        ],
        environment="dev",
    )
    assert time.monotonic() - began < 5
    step = result.step("helm/slow")
    assert step.status is Status.FAILED
    assert step.reason == "timed out after 0.2 s"
    assert seen_cancel == [True]
    assert result.step("helm/ok").status is Status.SUCCEEDED


def test_timeout_abandons_a_step_that_ignores_its_token() -> None:
    def stubborn(ctx: StepContext) -> None:
        time.sleep(3)

    began = time.monotonic()
    options = RunOptions(handle_signals=False, poll_interval=0.01, cancel_grace=0.1)
    result = Runner(options).run(
        [Phase("helm", (Step("helm/stuck", stubborn, timeout=0.1),))], environment="dev"
    )
    assert time.monotonic() - began < 2
    assert result.step("helm/stuck").status is Status.FAILED
    assert result.step("helm/stuck").reason == ("timed out after 0.1 s, did not stop within 0.1 s")


def test_retry_never_waits_past_the_step_timeout() -> None:
    calls = 0

    def busy(ctx: StepContext) -> None:
        nonlocal calls
        calls += 1
        raise EngineError("busy", retryable=True)

    options = RunOptions(handle_signals=False, retry=RetryPolicy(backoff=5.0))
    began = time.monotonic()
    result = Runner(options).run(
        [Phase("helm", (Step("helm/a", busy, timeout=1.0),))], environment="dev"
    )
    assert time.monotonic() - began < 1.0
    assert calls == 1
    assert result.step("helm/a").reason == "busy"

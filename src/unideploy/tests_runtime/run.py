"""Run one resolved test case: its kind's runner, a timeout per attempt, retries, one outcome.

A failure is retried (default 3 more attempts, 5 s apart).

Used by the test phase for each `tests/<name>` step. A runner's exception (connection refused, API
error) is a failed attempt with the reason, never an escape.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from unideploy.config.tests_cases import (
    DnsTest,
    HttpTest,
    K8sTest,
    PerfTest,
    SecurityTest,
    TcpTest,
    TestCase,
)
from unideploy.errors import EngineError, UnideployError
from unideploy.tests_runtime.base import TestEnv, Verdict
from unideploy.tests_runtime.http import http_test
from unideploy.tests_runtime.k8s import k8s_test
from unideploy.tests_runtime.net import dns_test, tcp_test
from unideploy.tests_runtime.perf import REQUEST_TIMEOUT_S, perf_test
from unideploy.tests_runtime.security import security_test

LOG = logging.getLogger("unideploy.tests")


@dataclass(frozen=True)
class TestOutcome:
    """The final word on one test: the last attempt's verdict and how many attempts it took."""

    __test__: ClassVar[bool] = False  # not a pytest class, despite its name

    name: str
    category: str
    kind: str
    passed: bool
    message: str
    attempts: int
    duration: float
    details: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False


def _runner(case: TestCase) -> Callable[[TestEnv], Verdict]:
    if isinstance(case, HttpTest):
        return lambda env: http_test(case, env)
    if isinstance(case, PerfTest):
        return lambda env: perf_test(case, env)
    if isinstance(case, TcpTest):
        return lambda env: tcp_test(case, env)
    if isinstance(case, DnsTest):
        return lambda env: dns_test(case, env)
    if isinstance(case, K8sTest):
        return lambda env: k8s_test(case, env)
    if isinstance(case, SecurityTest):
        return lambda env: security_test(case, env)
    raise TypeError(f"no runner for {type(case).__name__}")


def attempt(case: TestCase, env: TestEnv) -> Verdict:
    """One attempt, bounded by the case's timeout; failures of any kind become a verdict."""
    runner = _runner(case)
    box: list[Verdict] = []

    def work() -> None:
        try:
            box.append(runner(env))
        except EngineError as exc:
            box.append(Verdict(False, exc.message, final=not exc.retryable))
        except UnideployError as exc:
            box.append(Verdict(False, exc.message, final=True))
        except (OSError, RuntimeError, ValueError) as exc:
            box.append(Verdict(False, str(exc) or type(exc).__name__))
        except Exception as exc:  # a fault in the runner itself: say so, never "timed out"
            LOG.debug("test %s: runner fault", case.name, exc_info=True)
            box.append(Verdict(False, f"runner fault: {type(exc).__name__}: {exc}", final=True))

    worker = threading.Thread(target=work, name=f"test-{case.name}", daemon=True)
    worker.start()
    limit = case.timeout + (REQUEST_TIMEOUT_S if isinstance(case, PerfTest) else 1.0)
    worker.join(limit)
    if not box:
        return Verdict(False, f"timed out after {case.timeout:g} s")
    return box[0]


def run_case(
    case: TestCase, env: TestEnv, progress: Callable[[str], None] = lambda message: None
) -> TestOutcome:
    """Attempt `case` until it passes or its retries are used up; honours `env.cancel`."""
    started = time.monotonic()
    attempts = 0
    verdict = Verdict(False, "not run")
    while True:
        attempts += 1
        verdict = attempt(case, env)
        if verdict.passed or verdict.final or attempts > case.retries or env.cancel.is_set():
            break
        progress(
            f"{case.name}: attempt {attempts} failed ({verdict.message}); "
            f"retrying in {case.retry_delay:g} s"
        )
        if env.cancel.wait(case.retry_delay):
            break
    return TestOutcome(
        name=case.name,
        category=case.category.value,
        kind=case.kind,
        passed=verdict.passed,
        message=verdict.message,
        attempts=attempts,
        duration=round(time.monotonic() - started, 3),
        details=dict(verdict.details),
        cancelled=env.cancel.is_set() and not verdict.passed,
    )

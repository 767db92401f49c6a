"""Unit test: a k8s test the credentials may not read fails at once, naming the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from unideploy.config.tests_cases import TestCase
from unideploy.tests_runtime import TestEnv, run_case


class Answer:
    def __init__(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason

    def read(self) -> bytes:
        return b'{"kind": "Status", "message": "forbidden"}'


class ForbiddingApi:
    """Answers every request 403, as an API server does for a missing grant; counts requests."""

    def __init__(self) -> None:
        self.requests = 0

    def param_serialize(self, method: str, resource_path: str, **_: Any) -> tuple[Any, ...]:
        return (method, resource_path, {}, None, None)

    def call_api(self, *_: Any, **__: Any) -> Answer:
        self.requests += 1
        return Answer(403, "Forbidden")


def test_a_forbidden_list_is_not_retried_and_says_how_to_grant_it(tmp_path: Path) -> None:
    api = ForbiddingApi()
    case = TypeAdapter(TestCase).validate_python(
        {"name": "nodes", "category": "infrastructure", "kind": "k8s", "check": "nodes-ready",
         "retries": 3, "retryDelay": 0}
    )  # fmt: skip
    outcome = run_case(case, TestEnv("development", tmp_path, kube=lambda: api))
    assert not outcome.passed
    assert outcome.attempts == 1 and api.requests == 1
    assert "nodes (cluster-wide) failed: HTTP 403 Forbidden" in outcome.message
    assert "unideploy rbac" in outcome.message


def test_a_fault_in_a_runner_is_reported_as_such_not_as_a_timeout(tmp_path: Path) -> None:
    case = TypeAdapter(TestCase).validate_python(
        {"name": "pods", "category": "infrastructure", "kind": "k8s", "check": "pods-ready",
         "namespace": "apps", "retries": 2, "retryDelay": 0}
    )  # fmt: skip
    # A client without the two calls every runner uses: the runner itself breaks.
    outcome = run_case(case, TestEnv("development", tmp_path, kube=lambda: object()))
    assert not outcome.passed and outcome.attempts == 1
    assert outcome.message.startswith("runner fault: AttributeError")

"""The tests phase in the runner: one step per test, details for reports, per-environment policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.http_targets import Target, http_target

from unideploy.config.load import load_stack
from unideploy.execute.phases import tests as phase_tests
from unideploy.execute.result import RunResult, Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.service.deploy import DeployRequest, pipeline_context

STACK = """\
apiVersion: unideploy.io/v1
environments:
  development: {values: [values.yaml]}
  staging: {values: [values.yaml]}
tests:
  onFailure: {development: warn}
  parallel: 2
  cases:
    - name: health
      category: application
      kind: http
      url: URL/ok
      expect: {jsonEquals: {status: "${global.expected}"}}
    - name: database
      category: application
      kind: http
      url: URL/fail
      retries: 1
      retryDelay: 0.1
    - {name: resolver, category: connectivity, kind: dns, host: localhost}
"""


@pytest.fixture
def server() -> Iterator[Target]:
    with http_target() as target:
        yield target


def run_tests(tmp_path: Path, server: Target, environment: str, **request: bool) -> RunResult:
    (tmp_path / "values.yaml").write_text("global:\n  expected: ok\n")
    (tmp_path / "stack.yaml").write_text(STACK.replace("URL", server.base))
    stack = load_stack(tmp_path / "stack.yaml")
    ctx = pipeline_context(stack, DeployRequest(environment=environment, **request))
    phase = phase_tests.tests_phase(ctx, None)
    runner = Runner(RunOptions(continue_on_error=True, handle_signals=False))
    return runner.run([phase], environment=environment)


def test_a_failing_test_fails_the_run_with_its_reason(tmp_path: Path, server: Target) -> None:
    result = run_tests(tmp_path, server, "staging")

    assert result.status is Status.FAILED and result.exit_code == 1
    failed = result.step("tests/database")
    assert failed.status is Status.FAILED
    assert failed.reason == "status 500, expected 200: database unavailable after 2 attempts"
    assert failed.details["category"] == "application" and failed.details["attempts"] == 2
    assert result.step("tests/health").status is Status.SUCCEEDED
    assert result.step("tests/health").details["message"].startswith("200 in")
    assert 'step "tests/database" failed' in (result.reason or "")


def test_development_only_warns(tmp_path: Path, server: Target) -> None:
    result = run_tests(tmp_path, server, "development")

    assert result.exit_code == 0 and result.status is Status.WARNED
    warned = result.step("tests/database")
    assert warned.status is Status.WARNED and warned.details["passed"] is False
    assert (warned.reason or "").startswith("failed after 2 attempts (warn only in development)")


def test_a_dry_run_skips_the_tests(tmp_path: Path, server: Target) -> None:
    result = run_tests(tmp_path, server, "staging", dry_run=True)

    assert result.phase("tests").status is Status.SKIPPED
    assert server.hits["/ok"] == 0 and server.hits["/fail"] == 0

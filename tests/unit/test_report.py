"""The report model and its renderers: JSON vs its schema, JUnit vs the XSD, Markdown, console."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from rich.console import Console

from unideploy.config.tests_model import OnFailure
from unideploy.execute.phases.tests import outcome_of
from unideploy.execute.result import RunResult, Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Outcome, Phase, Step, StepContext
from unideploy.report import build_report, render, write_all
from unideploy.report.console import render_console
from unideploy.report.markdown import append_step_summary, render_markdown
from unideploy.tests_runtime import TestOutcome

REPO = Path(__file__).resolve().parents[2]
JUNIT_XSD = REPO / "tests" / "fixtures" / "junit" / "JUnit.xsd"  # the Ant JUnit schema
REPORT_SCHEMA = REPO / "schema" / "report.schema.json"

FINDING = {
    "check_id": "UD-K8S-001",
    "severity": "high",
    "title": "Containers must not run privileged",
    "object": {"kind": "Deployment", "namespace": "apps", "name": "web"},
    "message": "runs privileged",
    "blocking": True,
}


def _test(name: str, category: str, passed: bool, message: str, **extra: object) -> TestOutcome:
    return TestOutcome(
        name=name,
        category=category,
        kind="http" if category != "security" else "security",
        passed=passed,
        message=message,
        attempts=1 if passed else 4,
        duration=0.25,
        details=dict(extra),
    )


def _step(result: TestOutcome, policy: OnFailure) -> Callable[[StepContext], Outcome]:
    return lambda step: outcome_of(result, policy, "staging")


def run_of(policy: OnFailure = OnFailure.FAIL, *, broken_release: bool = True) -> RunResult:
    """A real run of the runner: a deploy-like phase, then tests that pass, fail and warn."""
    results = [
        _test("nodes-ready", "infrastructure", True, "1 object(s) ready"),
        _test("homepage", "application", False, 'status 500, expected 200: <b>"boom"</b> & more'),
        _test("rendered", "security", False, "1 blocking finding(s)", findings=[FINDING]),
        _test("api-latency", "performance", True, "p50 3.0 / p95 9.0 / p99 12.0 ms"),
    ]
    phases = [
        Phase(
            "helm",
            (
                Step("helm/web", lambda s: Outcome(Status.CHANGED, "installed")),
                Step(
                    "helm/db",
                    lambda s: Outcome(
                        Status.FAILED if broken_release else Status.CHANGED,
                        "release db not ready" if broken_release else "installed",
                    ),
                ),
            ),
        ),
        Phase(
            "tests",
            tuple(Step(f"tests/{r.name}", _step(r, policy)) for r in results),
        ),
    ]
    runner = Runner(RunOptions(continue_on_error=True, handle_signals=False))
    return runner.run(phases, environment="staging", user="ops@lab")


def test_report_groups_tests_by_category_and_counts_outcomes() -> None:
    report = build_report(run_of())

    assert [c for c, _ in report.categories] == [
        "infrastructure",
        "application",
        "performance",
        "security",
    ]
    assert report.counts() == {"total": 4, "passed": 2, "failed": 2, "warned": 0, "skipped": 0}
    assert report.status == "failed" and report.exit_code == 1
    assert [f.check_id for f in report.findings] == ["UD-K8S-001"]
    assert report.findings[0].object == "Deployment apps/web"
    assert report.findings[0].step == "tests/rendered"


def test_warn_only_environment_marks_failures_warned_and_the_run_passes() -> None:
    report = build_report(run_of(OnFailure.WARN, broken_release=False))

    assert report.counts()["warned"] == 2
    assert report.status == "warned" and report.exit_code == 0


def test_json_report_matches_the_committed_schema() -> None:
    schema = json.loads(REPORT_SCHEMA.read_text())
    document = json.loads(render(build_report(run_of()), "json"))

    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    assert document["summary"]["tests"]["failed"] == 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**document, "tests": [{"name": "x"}]}, schema)


def test_junit_is_valid_and_has_one_suite_per_category_with_failures() -> None:
    run = run_of()
    text = render(build_report(run), "junit")

    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(text)
    root = ET.fromstring(text)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == [
        "Infrastructure health",
        "Application functionality",
        "Performance baseline",
        "Security compliance",
        "Deployment phase helm",
    ]
    helm = suites["Deployment phase helm"]
    assert [c.get("name") for c in helm.iter("testcase")] == ["web", "db"]
    db_failure = helm.find("testcase[@name='db']/failure")
    assert db_failure is not None and db_failure.get("message") == "release db not ready"
    app = suites["Application functionality"]
    assert (app.get("tests"), app.get("failures")) == ("1", "1")
    failure = app.find("testcase/failure")
    assert failure is not None
    assert failure.get("message", "").startswith('status 500, expected 200: <b>"boom"</b>')
    assert "after 4 attempts" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in app.iter("property")}
    assert props["environment"] == "staging" and props["run_id"] == run.run_id
    assert app.find("testcase").get("time") == "0.250"  # type: ignore[union-attr]


def test_junit_warned_tests_are_failures_of_type_warning() -> None:
    text = render(build_report(run_of(OnFailure.WARN, broken_release=False)), "junit")

    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(text)
    types = {f.get("type") for f in ET.fromstring(text).iter("failure")}
    assert types == {"warning"}


def test_markdown_names_the_failed_test_and_why_and_escapes_cells() -> None:
    text = render_markdown(build_report(run_of()))

    assert "### Application functionality" in text
    row = next(line for line in text.splitlines() if line.startswith("| homepage |"))
    assert "❌ failed" in row and "status 500" in row
    assert "Findings (1, 1 blocking)" in text


def test_markdown_is_appended_to_the_github_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    written = append_step_summary(render_markdown(build_report(run_of())))

    assert written == summary
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "unideploy run" in text


def test_no_step_summary_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    assert append_step_summary("# x") is None


def test_console_is_plain_text_when_not_a_terminal() -> None:
    buffer = io.StringIO()
    out = Console(file=buffer, width=200, force_terminal=False, color_system=None)

    render_console(build_report(run_of()), out)

    text = buffer.getvalue()
    assert "\x1b[" not in text and "━" not in text
    assert "homepage" in text and "failed" in text
    assert "tests: 2 passed, 2 failed" in text


def test_html_escapes_messages_and_draws_every_step(tmp_path: Path) -> None:
    report = build_report(run_of())
    written = write_all(report, tmp_path)

    html = written["html"].read_text()
    assert set(written) == {"json", "junit", "markdown", "html"}
    assert "<b>" not in html and "&lt;b&gt;&quot;boom&quot;&lt;/b&gt;" in html
    assert html.count('class="bar"') == len(report.phases) + len(run_of().steps)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html

"""JUnit XML of a report: one <testsuite> per test category, then one per other phase of the run.

Valid against the common (Ant) JUnit XSD, as GitLab and GitHub read it: suites carry properties
(environment, run ID, status), timings and system-out/err; a failure carries its message (type
"warning" where the environment only warns), a test or step that did not run a <skipped/>.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import datetime

from unideploy.report.model import CATEGORY_TITLES, TESTS_PHASE, PhaseRow, Report, TestRow


def _timestamp(report: Report) -> str:
    if report.started_at is None:
        return "1970-01-01T00:00:00"
    moment = datetime.fromisoformat(report.started_at)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _case(parent: ET.Element, test: TestRow) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        name=test.name,
        classname=f"unideploy.{test.category}.{test.kind or 'test'}".replace("/", "."),
        time=f"{test.duration:.3f}",
    )
    if test.outcome == "skipped":
        ET.SubElement(case, "skipped")
    elif test.failed:
        failure = ET.SubElement(
            case,
            "failure",
            message=test.message,
            type="warning" if test.outcome == "warned" else "failure",
        )
        tries = f" after {test.attempts} attempts" if test.attempts > 1 else ""
        failure.text = f"{test.name} ({test.kind}){tries}: {test.message}"


def _step_rows(phase: PhaseRow) -> list[TestRow]:
    """A deploy phase's steps in the shape of tests (a failed step is a failure)."""
    rows = []
    for step in phase.steps:
        if step.status in ("failed", "rolled_back"):
            outcome = "failed"
        elif step.status in ("skipped", "cancelled", "interrupted", "pending", "running"):
            outcome = "skipped"
        else:
            outcome = "passed"
        name = step.id.split("/", 1)[-1]
        rows.append(
            TestRow(
                name,
                phase.name,
                "step",
                outcome,
                step.reason or step.status,
                step.duration,
                step.attempts,
            )
        )
    return rows


def _suite(
    root: ET.Element, report: Report, index: int, key: str, title: str, tests: list[TestRow]
) -> None:
    suite = ET.SubElement(
        root,
        "testsuite",
        name=title,
        package=f"unideploy.{key}",
        id=str(index),
        timestamp=_timestamp(report),
        hostname=socket.gethostname() or "localhost",
        tests=str(len(tests)),
        failures=str(sum(1 for t in tests if t.failed)),
        errors="0",
        skipped=str(sum(1 for t in tests if t.outcome == "skipped")),
        time=f"{sum(t.duration for t in tests):.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("environment", report.environment),
        ("run_id", report.run_id),
        ("run_status", report.status),
        ("revision", report.revision or ""),
        ("category", key),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for test in tests:
        _case(suite, test)
    out = ET.SubElement(suite, "system-out")
    out.text = "\n".join(f"{t.name}: {t.outcome}: {t.message}" for t in tests)
    ET.SubElement(suite, "system-err").text = ""


def render_junit(report: Report) -> str:
    """The XML document as text."""
    root = ET.Element("testsuites")
    suites = [(c, CATEGORY_TITLES.get(c, c), tests) for c, tests in report.categories]
    suites += [
        (f"phase.{p.name}", f"Deployment phase {p.name}", _step_rows(p))
        for p in report.phases
        if p.name != TESTS_PHASE and p.steps
    ]
    for index, (key, title, tests) in enumerate(suites):
        _suite(root, report, index, key, title, tests)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""JUnit XML of a report's tests: one <testsuite> per category, as GitLab and GitHub read it.

Valid against the common (Ant) JUnit XSD: every suite carries properties (environment, run ID,
status), timings and system-out/err; a failed test carries a <failure> with its message, a test
that only warned one of type "warning", a test that did not run a <skipped/>.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import datetime

from unideploy.report.model import CATEGORY_TITLES, Report, TestRow


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
        classname=f"unideploy.{test.category}.{test.kind or 'test'}",
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


def render_junit(report: Report) -> str:
    """The XML document as text."""
    root = ET.Element("testsuites")
    host = socket.gethostname() or "localhost"
    for index, (category, tests) in enumerate(report.categories):
        failures = sum(1 for t in tests if t.failed)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=CATEGORY_TITLES.get(category, category),
            package=f"unideploy.{category}",
            id=str(index),
            timestamp=_timestamp(report),
            hostname=host,
            tests=str(len(tests)),
            failures=str(failures),
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
            ("category", category),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        for test in tests:
            _case(suite, test)
        out = ET.SubElement(suite, "system-out")
        out.text = "\n".join(f"{t.name}: {t.outcome}: {t.message}" for t in tests)
        ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""Markdown of a report, for CI job summaries; appended to $GITHUB_STEP_SUMMARY when it is set.

Run header, phases with their timings, tests per category (failures first with their messages) and
blocking findings. Table cells are escaped so a message never breaks the table.
"""

from __future__ import annotations

import os
from pathlib import Path

from unideploy.report.model import CATEGORY_TITLES, Report

ICONS = {"passed": "✅", "failed": "❌", "warned": "⚠️", "skipped": "⏭️"}
STATUS_ICONS = {"succeeded": "✅", "failed": "❌", "warned": "⚠️", "skipped": "⏭️"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def render_markdown(report: Report) -> str:
    """The Markdown document as text."""
    counts = report.counts()
    icon = STATUS_ICONS.get(report.status, "•")
    lines = [
        f"## {icon} unideploy run `{report.run_id}` — {report.environment}: {report.status}",
        "",
        f"Started {report.started_at or '?'} by {report.user or '?'}, took {report.duration:.1f} s"
        + (f", revision `{report.revision}`" if report.revision else "")
        + ".",
    ]
    if report.reason:
        lines += ["", f"> {_cell(report.reason)}"]
    lines += [
        "",
        f"**Tests:** {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['warned']} warned, {counts['skipped']} skipped (of {counts['total']}).",
        "",
        "| phase | status | duration | steps |",
        "| --- | --- | ---: | ---: |",
    ]
    for phase in report.phases:
        mark = STATUS_ICONS.get(phase.status, "")
        lines.append(
            f"| {phase.name} | {mark} {phase.status} | {phase.duration:.1f} s "
            f"| {len(phase.steps)} |"
        )
    for category, tests in report.categories:
        lines += [
            "",
            f"### {CATEGORY_TITLES.get(category, category)}",
            "",
            "| test | kind | result | time | message |",
            "| --- | --- | --- | ---: | --- |",
        ]
        for test in sorted(tests, key=lambda t: (not t.failed, t.name)):
            lines.append(
                f"| {_cell(test.name)} | {test.kind} | {ICONS.get(test.outcome, '')} {test.outcome}"
                f" | {test.duration:.2f} s | {_cell(test.message)} |"
            )
    blocking = [f for f in report.findings if f.blocking]
    if report.findings:
        lines += [
            "",
            f"### Findings ({len(report.findings)}, {len(blocking)} blocking)",
            "",
            "| severity | check | object | finding |",
            "| --- | --- | --- | --- |",
        ]
        for f in (blocking or list(report.findings))[:50]:
            lines.append(
                f"| {f.severity} | {f.check_id} | {_cell(f.object)} | {_cell(f.message)} |"
            )
    return "\n".join(lines) + "\n"


def append_step_summary(markdown: str) -> Path | None:
    """Append to the file $GITHUB_STEP_SUMMARY names, when set; return that path."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    return path

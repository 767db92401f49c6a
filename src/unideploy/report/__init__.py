"""Reports of a run: one model (`build_report`) rendered as console, JSON, JUnit, Markdown, HTML.

Reads a RunResult only; `render` returns a document as text, `write_all` writes every file format.
The CLI's `test` and `report` commands call these; nothing here runs anything.
"""

from __future__ import annotations

from pathlib import Path

from unideploy.report.html import render_html
from unideploy.report.jsondoc import render_json
from unideploy.report.junit import render_junit
from unideploy.report.markdown import append_step_summary, render_markdown
from unideploy.report.model import Report, build_report

#: File formats and the file name each gets when every format is written.
FILE_FORMATS = {
    "json": "report.json",
    "junit": "junit.xml",
    "markdown": "report.md",
    "html": "report.html",
}
FORMATS = ("console", *FILE_FORMATS, "all")


def render(report: Report, fmt: str) -> str:
    """The document of one file format as text."""
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    raise ValueError(f"no file format {fmt!r}; use one of {', '.join(FILE_FORMATS)}")


def write_all(report: Report, directory: Path) -> dict[str, Path]:
    """Write every file format into `directory`; return format → path."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for fmt, name in FILE_FORMATS.items():
        path = directory / name
        path.write_text(render(report, fmt), encoding="utf-8")
        written[fmt] = path
    return written


__all__ = [
    "FILE_FORMATS",
    "FORMATS",
    "Report",
    "append_step_summary",
    "build_report",
    "render",
    "write_all",
]

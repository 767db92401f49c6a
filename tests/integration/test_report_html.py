"""The HTML report in real headless Chromium: no console errors, no network, timeline drawn."""

from __future__ import annotations

from pathlib import Path

from tests.integration.chromium import browser
from tests.unit.test_report import run_of

from unideploy.report import build_report, render


def test_html_report_renders_without_errors_or_network_and_draws_the_timeline(
    tmp_path: Path,
) -> None:
    report = build_report(run_of())
    page_file = tmp_path / "report.html"
    page_file.write_text(render(report, "html"))
    steps = sum(len(p.steps) for p in report.phases)

    with browser(tmp_path) as page:
        page.open(page_file.as_uri())
        ready = page.evaluate("document.body.getAttribute('data-ready')")
        bars = page.evaluate("document.querySelectorAll('#timeline rect.bar').length")
        widths = page.evaluate(
            "[...document.querySelectorAll('#timeline rect.bar')]"
            ".map(r => r.getBoundingClientRect().width)"
        )
        page.evaluate("document.querySelector('button[data-outcome=failed]').click()")
        shown = page.evaluate(
            "[...document.querySelectorAll('tr.test:not(.hidden) td:first-child')]"
            ".map(td => td.textContent)"
        )
        shot = page.screenshot(tmp_path / "report.png")

    assert page.errors == [] and page.console == []
    assert [url for url in page.requests if not url.startswith("file:")] == []
    assert ready == "1"
    assert bars == len(report.phases) + steps
    assert all(width >= 2 for width in widths)
    assert sorted(shown) == ["homepage", "rendered"]
    assert shot.stat().st_size > 10_000


def test_the_harness_sees_script_errors_and_network_requests(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><img src='http://127.0.0.1:9/x.png'>"
        "<script>console.error('bad thing'); undefinedFunction();</script></body></html>"
    )

    with browser(tmp_path) as page:
        page.open(broken.as_uri())

    assert any("bad thing" in line for line in page.console)
    assert any("undefinedFunction" in error for error in page.errors)
    assert "http://127.0.0.1:9/x.png" in page.requests

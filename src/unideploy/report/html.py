"""A self-contained HTML page of a report: run header, timeline, tests, findings.

One file, nothing fetched: inline CSS, the timeline drawn as inline SVG, a few lines of inline
script for filtering, and a Content-Security-Policy that forbids any network request.
"""

from __future__ import annotations

from html import escape

from unideploy.report.model import CATEGORY_TITLES, PhaseRow, Report

COLOURS = {
    "succeeded": "#2e7d32",
    "changed": "#1565c0",
    "unchanged": "#66bb6a",
    "passed": "#2e7d32",
    "warned": "#f9a825",
    "skipped": "#9e9e9e",
    "failed": "#c62828",
    "rolled_back": "#ad1457",
    "cancelled": "#6d4c41",
    "interrupted": "#6d4c41",
}
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#616161}.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff}
table{border-collapse:collapse;width:100%;background:#fff}
td,th{border-bottom:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eeeeee}.num{text-align:right;white-space:nowrap}
.filters button{margin-right:6px}.hidden{display:none}
svg text{font:11px system-ui,sans-serif;fill:#424242}
.legend{margin:0 0 6px}.key{margin-right:12px;color:#616161;font-size:12px}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
"""
SCRIPT = """
(function () {
  var buttons = document.querySelectorAll('.filters button');
  buttons.forEach(function (button) {
    button.addEventListener('click', function () {
      var wanted = button.getAttribute('data-outcome');
      document.querySelectorAll('tr.test').forEach(function (row) {
        var show = wanted === 'all' || row.getAttribute('data-outcome') === wanted;
        row.classList.toggle('hidden', !show);
      });
    });
  });
  var bars = document.querySelectorAll('#timeline rect.bar').length;
  document.body.setAttribute('data-timeline-bars', String(bars));
  document.body.setAttribute('data-ready', '1');
})();
"""
LABEL_W, CHART_W, ROW_H = 240, 720, 18


def _badge(word: str) -> str:
    colour = COLOURS.get(word, "#616161")
    return f'<span class="badge" style="background:{colour}">{escape(word)}</span>'


def timeline_svg(report: Report) -> str:
    """Phases and their steps as horizontal bars against the run's clock."""
    rows: list[tuple[str, str, float, float, bool]] = []
    for phase in report.phases:
        rows.append((phase.name, phase.status, phase.offset, phase.duration, True))
        rows += [(s.id, s.status, s.offset, s.duration, False) for s in phase.steps]
    span = max([report.duration, *(offset + length for _, _, offset, length, _ in rows), 0.001])
    height = ROW_H * len(rows) + 24
    parts = [
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + CHART_W + 40}" '
        f'height="{height}" role="img" aria-label="timeline of phases and steps">'
    ]
    for tick in range(5):
        x = LABEL_W + CHART_W * tick / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#e0e0e0"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">'
            f"{span * tick / 4:.1f} s</text>"
        )
    for index, (label, status, offset, length, is_phase) in enumerate(rows):
        y = index * ROW_H
        x = LABEL_W + CHART_W * offset / span
        width = max(2.0, CHART_W * length / span)
        weight = "bold" if is_phase else "normal"
        indent = 4 if is_phase else 16
        parts.append(
            f'<text x="{indent}" y="{y + 13}" font-weight="{weight}">{escape(label[:38])}</text>'
            f'<rect class="bar" x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{ROW_H - 6}" '
            f'rx="2" fill="{COLOURS.get(status, "#616161")}">'
            f"<title>{escape(label)}: {escape(status)}, {length:.2f} s from {offset:.2f} s</title>"
            "</rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    shown = ("succeeded", "changed", "unchanged", "warned", "failed", "skipped")
    keys = "".join(
        f'<span class="key"><i style="background:{COLOURS[name]}"></i>{name}</span>'
        for name in shown
    )
    return f'<div class="legend">{keys}</div>'


def _phases(phases: tuple[PhaseRow, ...]) -> str:
    rows = "".join(
        f"<tr><td>{escape(p.name)}</td><td>{_badge(p.status)}</td>"
        f'<td class="num">{p.duration:.1f} s</td><td class="num">{len(p.steps)}</td>'
        f"<td>{escape(p.reason or '')}</td></tr>"
        for p in phases
    )
    return (
        "<table><tr><th>phase</th><th>status</th><th>duration</th><th>steps</th>"
        f"<th>reason</th></tr>{rows}</table>"
    )


def _tests(report: Report) -> str:
    if not report.tests:
        return "<p>No integration tests ran.</p>"
    counts = report.counts()
    buttons = "".join(
        f'<button type="button" data-outcome="{name}">{name} ({counts.get(name, counts["total"])})'
        "</button>"
        for name in ("all", "passed", "failed", "warned", "skipped")
    )
    sections = [f'<div class="filters">{buttons}</div>']
    for category, tests in report.categories:
        rows = "".join(
            f'<tr class="test" data-outcome="{t.outcome}"><td>{escape(t.name)}</td>'
            f"<td>{escape(t.kind)}</td><td>{_badge(t.outcome)}</td>"
            f'<td class="num">{t.duration:.2f} s</td><td class="num">{t.attempts}</td>'
            f"<td>{escape(t.message)}</td></tr>"
            for t in tests
        )
        sections.append(
            f"<h3>{escape(CATEGORY_TITLES.get(category, category))}</h3><table><tr><th>test</th>"
            f"<th>kind</th><th>result</th><th>time</th><th>attempts</th><th>message</th></tr>"
            f"{rows}</table>"
        )
    return "".join(sections)


def _findings(report: Report) -> str:
    if not report.findings:
        return "<p>No findings.</p>"
    rows = "".join(
        f"<tr><td>{escape(f.severity)}</td><td>{escape(f.check_id)}</td>"
        f"<td>{escape(f.object)}</td><td>{escape(f.message)}</td>"
        f"<td>{'yes' if f.blocking else 'no'}</td><td>{escape(f.step)}</td></tr>"
        for f in report.findings
    )
    return (
        "<table><tr><th>severity</th><th>check</th><th>object</th><th>finding</th>"
        f"<th>blocking</th><th>step</th></tr>{rows}</table>"
    )


def render_html(report: Report) -> str:
    """The page as text."""
    title = f"unideploy {report.environment} run {report.run_id}"
    counts = report.counts()
    meta = (
        f"started {escape(report.started_at or '?')} by {escape(report.user or '?')} · "
        f"{report.duration:.1f} s · revision {escape(report.revision or 'unknown')} · "
        f"tests {counts['passed']}/{counts['total']} passed"
    )
    reason = f"<p>{escape(report.reason)}</p>" if report.reason else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(report.environment)} · {_badge(report.status)}</h1>"
        f'<div class="meta">run {escape(report.run_id)} · {meta}</div>{reason}'
        f"<h2>Timeline</h2>{_legend()}{timeline_svg(report)}"
        f"<h2>Phases</h2>{_phases(report.phases)}"
        f"<h2>Tests</h2>{_tests(report)}"
        f"<h2>Findings</h2>{_findings(report)}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )

"""The JSON rendering of a report, for machines and CI artifacts.

Its shape is schema/report.schema.json, which the tests check every document against.
"""

from __future__ import annotations

import json

from unideploy.report.model import Report


def render_json(report: Report) -> str:
    """The JSON document as text (indented, UTF-8 kept readable)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"

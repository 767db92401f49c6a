"""A refresh-only plan's summary lists what changed outside Terraform, not what applying does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unideploy.engines.terraform.model import TerraformWorkspace
from unideploy.engines.terraform.parse import summarize_plan

WS = TerraformWorkspace("net", "development", Path("/m"), Path("/s"))


def refresh_only_document() -> dict[str, Any]:
    change = {"actions": ["update"], "before": {"size": 1}, "after": {"size": 2}}
    return {
        "resource_drift": [{"address": "kubernetes_namespace.apps", "change": change}],
        "resource_changes": [
            {"address": "terraform_data.quick", "change": {"actions": ["create"], "after": {}}}
        ],
        "output_changes": {},
    }


def test_refresh_only_summary_reads_the_drift() -> None:
    summary = summarize_plan(WS, Path("p"), refresh_only_document(), plan_sha256="0", drift=True)
    assert [(r.address, r.action) for r in summary.resources] == [
        ("kubernetes_namespace.apps", "update")
    ]
    assert summary.change == 1
    assert summary.add == 0


def test_ordinary_summary_ignores_the_drift() -> None:
    summary = summarize_plan(WS, Path("p"), refresh_only_document(), plan_sha256="0")
    assert [(r.address, r.action) for r in summary.resources] == [
        ("terraform_data.quick", "create")
    ]

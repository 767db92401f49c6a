"""Unit tests: `unideploy sandbox` commands that need no running control plane."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from unideploy.cli.sandbox import sandbox_group
from unideploy.exitcodes import ExitCode
from unideploy.sandbox import ToolNotFoundError


def test_kubeconfig_prints_the_stable_path_and_fails_until_up(tmp_path: Path) -> None:
    result = CliRunner().invoke(sandbox_group, ["kubeconfig", "--state-dir", str(tmp_path)])
    assert result.exit_code == ExitCode.FAILED
    assert result.stdout.strip() == str(tmp_path.resolve() / "kubeconfig")
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\n")
    result = CliRunner().invoke(
        sandbox_group, ["kubeconfig", "--state-dir", str(tmp_path), "--output", "json"]
    )
    assert result.exit_code == ExitCode.OK
    data = json.loads(result.stdout)
    assert data == {
        "kubeconfig": str(tmp_path.resolve() / "kubeconfig"),
        "context": "unideploy-sandbox",
        "exists": True,
    }


def test_status_of_a_never_started_sandbox_is_stopped_and_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        sandbox_group, ["status", "--state-dir", str(tmp_path), "-o", "json"]
    )
    assert result.exit_code == ExitCode.FAILED
    data = json.loads(result.stdout)
    assert data["state"] == "stopped" and data["components"] == []


def test_down_of_a_never_started_sandbox_is_not_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sandbox_group, ["down", "--state-dir", str(tmp_path)])
    assert result.exit_code == ExitCode.OK
    assert "not running" in result.stdout


def test_up_without_tools_names_every_missing_one_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("UNIDEPLOY_TOOLS_DIR", str(tmp_path / "empty-cache"))
    result = CliRunner().invoke(sandbox_group, ["up", "--state-dir", str(tmp_path / "s")])
    assert isinstance(result.exception, ToolNotFoundError)
    for name in ("etcd", "kube-apiserver", "kwok"):
        assert name in result.exception.message
    assert "install-tools.sh" in (result.exception.hint or "")
    assert not (tmp_path / "s" / "state.json").exists()


def test_every_command_has_help_that_teaches() -> None:
    for command in ("up", "down", "status", "kubeconfig"):
        result = CliRunner().invoke(sandbox_group, [command, "--help"])
        assert result.exit_code == 0
        assert "--state-dir" in result.stdout and "--output" in result.stdout


def test_status_names_the_audit_log_of_a_sandbox_started_with_it(tmp_path: Path) -> None:
    from unideploy.sandbox import state

    log = tmp_path.resolve() / "audit.log"
    record = state.SandboxState(state_dir=str(tmp_path.resolve()), audit_log=str(log))
    state.save(tmp_path / "state.json", record)
    text = CliRunner().invoke(sandbox_group, ["status", "--state-dir", str(tmp_path)])
    assert f"audit log: {log}" in text.stdout
    shown = CliRunner().invoke(
        sandbox_group, ["status", "--state-dir", str(tmp_path), "-o", "json"]
    )
    assert json.loads(shown.stdout)["audit_log"] == str(log)
    help_text = CliRunner().invoke(sandbox_group, ["up", "--help"]).stdout
    assert "--audit-log" in help_text

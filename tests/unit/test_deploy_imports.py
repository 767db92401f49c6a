"""Start-up of `deploy`: what a run does not use is not imported (metrics, tests, the sandbox)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from unideploy.engines.process import run

PROBE = """
import json, sys
from unideploy.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""
DEPLOY = ["deploy", "-e", "development", "--dry-run", "--skip-terraform", "--skip-security"]
UNUSED = (
    "prometheus_client",
    "unideploy.config.tests_model",
    "unideploy.config.tests_cases",
    "unideploy.sandbox.core",  # the sandbox notes read files; the control plane is not loaded
)


def loaded(stack: Path, *argv: str, env: dict[str, str] | None = None) -> list[str]:
    done = run(
        [sys.executable, "-c", PROBE, "--stack", str(stack), *argv],
        timeout=120,
        env={
            **os.environ,
            "UNIDEPLOY_QUIET": "1",
            "KUBECONFIG": str(stack / "no-such-kubeconfig"),  # no cluster: nothing leaves
            **(env or {}),
        },
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), done.stderr
    modules: list[str] = report["modules"]
    return modules


def test_a_deploy_without_metrics_or_tests_imports_neither(
    make_stack: Callable[..., Path],
) -> None:
    stack = make_stack()
    modules = loaded(stack, *DEPLOY, "--skip-tests")
    assert "unideploy.service.deploy" in modules  # the probe did run a deploy
    assert "unideploy.observe.metrics" in modules
    found = [m for m in modules if m.startswith(UNUSED)]
    assert found == [], f"deploy loaded {found}"


def test_a_deploy_whose_stderr_is_not_a_terminal_prints_plain_text_without_rich(
    make_stack: Callable[..., Path],
) -> None:
    stack = make_stack()
    argv = ["--stack", str(stack), "deploy", "-e", "development", "--skip-terraform"]
    env = {**os.environ, "KUBECONFIG": str(stack / "no-such-kubeconfig")}
    env.pop("FORCE_COLOR", None)
    env.pop("TTY_COMPATIBLE", None)
    done = run([sys.executable, "-c", PROBE, *argv], timeout=120, env=env)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 1, done.stderr  # preflight: the cluster is not there
    assert [m for m in report["modules"] if m.startswith("rich")] == []
    summary = done.stderr[done.stderr.index("run ") :]
    assert "· development · failed" in summary
    assert any(line.split()[:2] == ["preflight", "failed"] for line in summary.splitlines())
    assert "\x1b[" not in done.stderr and "┃" not in done.stderr

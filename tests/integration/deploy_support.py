"""Helpers for pipeline tests on the sandbox: write a stack that targets it, run the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "stacks"
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")


def apps_stack(target: Path, kubeconfig: Path, namespace: str) -> Path:
    """The apps fixture stack in `target`, pointed at the sandbox and a namespace."""
    shutil.copytree(FIXTURES / "apps", target)
    text = (target / "stack.yaml").read_text()
    text = text.replace("KUBECONFIG", str(kubeconfig)).replace("NAMESPACE", namespace)
    (target / "stack.yaml").write_text(text.replace("CHARTS", str(REPO / "helm" / "charts")))
    return target


def reference_stack(target: Path, kubeconfig: Path) -> Path:
    """A copy of the repository's reference stack whose development env targets the sandbox."""
    target.mkdir(parents=True)
    for name in ("environments", "helm", "terraform"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns(".terraform*"))
    text = (REPO / "stack.yaml").read_text()
    (target / "stack.yaml").write_text(
        text.replace(".unideploy/sandbox/kubeconfig", str(kubeconfig))
    )
    return target


def unideploy(stack: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, against `stack`."""
    return subprocess.run(
        [UNIDEPLOY, "--stack", str(stack), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "UNIDEPLOY_LOG_FILE": str(stack / "debug.log")},
    )


def steps(document: str) -> dict[str, dict[str, Any]]:
    """The steps of a `-o json` run record, by ID."""
    record = json.loads(document)
    return {step["id"]: step for phase in record["phases"] for step in phase["steps"]}


def irregular_stack(target: Path, kubeconfig: Path, namespace: str) -> Path:
    """The irregular fixture stack (upstream-shaped charts) in `target`, pointed at the sandbox."""
    shutil.copytree(FIXTURES / "irregular", target)
    text = (target / "stack.yaml").read_text()
    text = text.replace("KUBECONFIG", str(kubeconfig)).replace("NAMESPACE", namespace)
    (target / "stack.yaml").write_text(text.replace("FIXTURES", str(REPO / "tests/fixtures/helm")))
    return target


def apply_terraform(root: Path, environment: str) -> None:
    """Apply every Terraform module of the stack at `root` for `environment` (real core)."""
    from unideploy.config.load import load_stack
    from unideploy.engines.terraform.contract import terraform_engine
    from unideploy.plan.build import build_plan
    from unideploy.service.deploy import DeployRequest, pipeline_context

    stack = load_stack(root / "stack.yaml")
    engine = terraform_engine(stack.file.terraform.engine.value)
    ctx = pipeline_context(stack, DeployRequest(environment))
    for module in build_plan(stack, environment).modules:
        workspace = ctx.workspace(module.name)
        engine.init(workspace)
        engine.apply(engine.plan(workspace, module.vars))

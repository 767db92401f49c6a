"""--maintenance-mode on the sandbox: an unready application warns and stays; others roll back."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.deploy_support import apps_stack, steps, unideploy
from tests.integration.sandbox_cluster import Cluster

from unideploy.engines.helm.sdk import SdkHelm

pytestmark = pytest.mark.cluster


def unready(release: str) -> str:
    return f'{release}:\n  podAnnotations:\n    unideploy.io/sandbox-unready: "true"\n'


def maintenance_stack(tmp_path: Path, sandbox: Cluster, namespace: str) -> Path:
    """The apps stack with its second tier called `applications` (frontend lives there)."""
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    text = (stack / "stack.yaml").read_text()
    text = text.replace("tiers: [backend, frontend]", "tiers: [backend, applications]")
    (stack / "stack.yaml").write_text(text.replace("tier: frontend", "tier: applications"))
    return stack


def test_an_unready_application_is_a_warning_during_maintenance(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = maintenance_stack(tmp_path, sandbox, namespace)
    assert unideploy(stack, "deploy", "-e", "development", "--skip-tests").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(unready("frontend"))

    done = unideploy(
        stack,
        "deploy",
        "-e",
        "development",
        "--skip-tests",
        "--maintenance-mode",
        "--values",
        str(bad),
        "-o",
        "json",
    )

    assert done.returncode == 0, done.stderr[-2000:]
    frontend = steps(done.stdout)["helm/frontend"]
    assert frontend["status"] == "warned"
    assert "maintenance mode" in frontend["reason"]
    history = SdkHelm(sandbox.kubeconfig, "unideploy-sandbox").history("frontend", namespace)
    assert [r.revision for r in history] == [1, 2]  # left in place, not rolled back
    live = sandbox.get_json("deployment", "frontend", namespace=namespace)
    annotations = live["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("unideploy.io/sandbox-unready") == "true"


def test_maintenance_does_not_excuse_other_tiers(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = maintenance_stack(tmp_path, sandbox, namespace)
    assert unideploy(stack, "deploy", "-e", "development", "--skip-tests").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(unready("app"))

    done = unideploy(
        stack,
        "deploy",
        "-e",
        "development",
        "--skip-tests",
        "--maintenance-mode",
        "--values",
        str(bad),
        "-o",
        "json",
    )

    assert done.returncode == 1
    assert steps(done.stdout)["helm/app"]["status"] == "rolled_back"

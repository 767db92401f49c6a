"""A deploy into the sandbox says what the sandbox simulates (webhooks, addresses, volumes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.deploy_support import apps_stack, unideploy
from tests.integration.sandbox_cluster import Cluster

pytestmark = pytest.mark.cluster


def test_deploy_into_the_sandbox_says_webhooks_are_simulated(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    done = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")

    assert done.returncode == 0, done.stderr
    assert "sandbox: admission webhooks are simulated" in done.stderr
    assert "127.240.0.0/16" in done.stderr
    document = json.loads(done.stdout)
    assert document["sandbox"]["notes"][0].startswith("sandbox: admission webhooks are simulated")

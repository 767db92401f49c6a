"""Integration fixtures: one real sandbox control plane per session, a fresh namespace per test.

Tests that use them carry `@pytest.mark.cluster`. When a tool is missing the tests skip with the
reason outside CI; with CI=true they fail instead, so a broken tool build is never silently green.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pytest
from tests.integration.sandbox_cluster import Cluster, require_tools
from tests.support.pushgateway import pushgateway  # noqa: F401 (a fixture for the tests here)

from unideploy.sandbox import Sandbox, find_tool


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Start one sandbox for the whole session; stop it and delete its state at the end."""
    require_tools()
    box = Sandbox(tmp_path_factory.mktemp("sandbox"))
    status = box.up(timeout=180)
    try:
        yield Cluster(status=status, kubeconfig=box.kubeconfig, kubectl_path=find_tool("kubectl"))
    finally:
        box.down(purge=True)


@pytest.fixture
def namespace(sandbox: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """Create a fresh namespace named after the test; delete it (without waiting) afterwards."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].rstrip("-")
    name = f"{slug}-{uuid.uuid4().hex[:6]}"
    sandbox.kubectl("create", "namespace", name)
    # Pods are only admitted once the namespace's `default` ServiceAccount exists.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = sandbox.kubectl("get", "serviceaccount", "default", "-n", name, check=False)
        if done.returncode == 0:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"namespace {name} never got its default ServiceAccount")
    yield name
    sandbox.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the sandbox as `cluster`, so `-m "not cluster"` never starts it."""
    for item in items:
        if "sandbox" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)

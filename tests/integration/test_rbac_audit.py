"""The generated RBAC roles against the API server's audit log of a full run as their account.

A sandbox of its own writes an audit log (`Sandbox(audit_log=True)`). The rbac fixture stack is
deployed, diffed, deployed with a change, rolled back and drift-checked as the generated
ServiceAccount alone; then every request it made must be granted (and none refused), every grant
must have been used or be named by the derivation as needed although a successful run may not use
it (Need.standby), and no rule may hold a wildcard.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.audit_support import compare, grants, settled, uses
from tests.integration.rbac_support import (
    as_service_account,
    rbac_stack,
    runs_everything,
)
from tests.integration.sandbox_cluster import Cluster, require_tools

from unideploy.config.load import load_stack
from unideploy.sandbox import Sandbox, find_tool
from unideploy.service.rbac import rbac_for

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Path]]:
    """A sandbox of this module's own whose kube-apiserver writes an audit log; its path."""
    require_tools()
    box = Sandbox(tmp_path_factory.mktemp("audited"), audit_log=True)
    status = box.up(timeout=180)
    try:
        assert status.audit_log == str(box.layout.audit_log)
        yield (
            Cluster(status=status, kubeconfig=box.kubeconfig, kubectl_path=find_tool("kubectl")),
            box.layout.audit_log,
        )
    finally:
        box.down(purge=True)


def _namespace(cluster: Cluster) -> str:
    name = f"rbac-audit-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    deadline = time.monotonic() + 30  # Pods are admitted once `default` exists
    while cluster.kubectl("get", "sa", "default", "-n", name, check=False).returncode != 0:
        assert time.monotonic() < deadline, f"{name} never got its default ServiceAccount"
        time.sleep(0.2)
    return name


def test_the_generated_roles_grant_exactly_what_a_full_run_uses(
    audited: tuple[Cluster, Path], tmp_path: Path
) -> None:
    cluster, log = audited
    namespace = _namespace(cluster)
    stack = rbac_stack(tmp_path / "rbac", cluster.kubeconfig, namespace)
    account = f"{namespace}/deployer"
    derived = rbac_for(load_stack(stack / "stack.yaml"), "development", (namespace, "deployer"))
    objects = as_service_account(cluster, stack, account, tmp_path)
    assert objects == derived.objects  # the needs below are the ones behind the applied roles
    runs_everything(stack, ("--set", "app.settings.greeting=changed", "--set", "kit.size=large"))

    user = f"system:serviceaccount:{namespace}:deployer"
    done = settled(log, user)
    assert len(done) > 50, f"only {len(done)} requests by {user} in {log}"
    assert uses(done) and grants(objects)
    problems = compare(objects, done, derived.needs)
    assert not problems, "the roles and the audit log disagree:\n  " + "\n  ".join(problems)

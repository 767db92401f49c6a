"""`deploy --incremental` on the sandbox: unchanged releases skip without a render or a history
read, and whatever makes a release differ from its last deploy brings the render and Helm back.

Helm's storage labels (helm_heads) stand in for its history, so they are compared with the SDK's
own history first. The deploys run in-process with the real Helm engine, counting its calls.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tests.integration.deploy_support import apps_stack, steps, unideploy
from tests.integration.helm_support import store_pending_upgrade
from tests.integration.sandbox_cluster import Cluster

from unideploy.config.load import load_stack
from unideploy.engines.helm import sdk
from unideploy.engines.kube.client import api_client
from unideploy.execute.phases.helm_heads import HelmHeads
from unideploy.execute.result import Status
from unideploy.service.deploy import DeployRequest, deploy

pytestmark = pytest.mark.cluster

CONTEXT = "unideploy-sandbox"


class CountingHelm(sdk.SdkHelm):
    """The real Helm engine, counting the calls an incremental no-op should not make."""

    calls: ClassVar[Counter[str]] = Counter()
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def _count(self, name: str) -> None:
        with self._guard:
            CountingHelm.calls[name] += 1

    def render(self, spec: Any, *, live: bool = False) -> Any:
        self._count("render")
        return super().render(spec, live=live)

    def history(self, name: str, namespace: str, *, describe_deployed: bool = True) -> Any:
        self._count("history")
        return super().history(name, namespace, describe_deployed=describe_deployed)

    def upgrade(self, spec: Any, *, cancel: threading.Event | None = None) -> Any:
        self._count("upgrade")
        return super().upgrade(spec, cancel=cancel)


def _incremental(stack: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """One in-process `deploy --incremental --skip-tests --skip-security`: helm step statuses."""
    CountingHelm.calls.clear()
    monkeypatch.setattr(sdk, "SdkHelm", CountingHelm)
    request = DeployRequest(
        environment="development", incremental=True, skip=frozenset({"tests", "security"})
    )
    result = deploy(load_stack(stack / "stack.yaml"), request)
    assert result.status in (Status.SUCCEEDED, Status.CHANGED, Status.UNCHANGED), result.reason
    return {
        step.id: step.status.value
        for phase in result.phases
        for step in phase.steps
        if step.id.startswith("helm/")
    }


def test_helm_heads_agree_with_the_sdk_history(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    helm = sdk.SdkHelm(sandbox.kubeconfig, CONTEXT)
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    done = unideploy(stack, "deploy", "-e", "development", "--skip-tests")
    assert done.returncode == 0, done.stdout + done.stderr
    helm.rollback("cache", namespace, 1)  # revision 2: `cache` at two revisions, 1 superseded
    store_pending_upgrade(sandbox, namespace, "frontend")  # revision 2 of `frontend` pending

    heads = HelmHeads(api_client(sandbox.kubeconfig, CONTEXT)).in_namespace(namespace)
    expected = {}
    for name in ("app", "cache", "frontend"):
        newest = helm.history(name, namespace)[-1]
        expected[name] = (newest.revision, newest.status)
    assert {name: (h.revision, h.status) for name, h in heads.items()} == expected
    assert expected["cache"] == (2, "deployed")
    assert expected["frontend"] == (2, "pending-upgrade")


def test_unchanged_releases_skip_without_render_and_changes_bring_helm_back(
    sandbox: Cluster, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = apps_stack(tmp_path / "apps", sandbox.kubeconfig, namespace)
    first = unideploy(stack, "deploy", "-e", "development", "--skip-tests", "-o", "json")
    assert first.returncode == 0, first.stdout + first.stderr
    recorded = steps(first.stdout)["helm/app"]["details"]["object_keys"]
    assert ["v1", "ConfigMap", namespace, "app-settings"] in recorded

    statuses = _incremental(stack, monkeypatch)
    assert set(statuses.values()) == {"unchanged"}, statuses
    assert CountingHelm.calls == Counter(), "an unchanged release was rendered or read from Helm"

    # An object deleted by hand: that release alone is rendered and upgraded again.
    sandbox.kubectl("delete", "configmap", "app-settings", "-n", namespace)
    statuses = _incremental(stack, monkeypatch)
    assert statuses == {
        "helm/app": "changed",
        "helm/cache": "unchanged",
        "helm/frontend": "unchanged",
    }
    assert CountingHelm.calls["render"] == 1 and CountingHelm.calls["upgrade"] == 1
    assert sandbox.get_json("configmap", "app-settings", namespace=namespace)["data"]

    # A revision written outside unideploy (a rollback by hand): that release is deployed again.
    sdk.SdkHelm(sandbox.kubeconfig, CONTEXT).rollback("cache", namespace, 1)
    statuses = _incremental(stack, monkeypatch)
    assert statuses == {
        "helm/app": "unchanged",
        "helm/cache": "changed",
        "helm/frontend": "unchanged",
    }

    # Changed values: only the release they reach.
    values = (stack / "values.yaml").read_text()
    (stack / "values.yaml").write_text(values + "frontend:\n  replicas: 3\n")
    statuses = _incremental(stack, monkeypatch)
    assert statuses == {
        "helm/app": "unchanged",
        "helm/cache": "unchanged",
        "helm/frontend": "changed",
    }
    assert CountingHelm.calls["render"] == 1 and CountingHelm.calls["upgrade"] == 1
    # Its newest record is deployed (listed for the skip check): Helm's history is not read.
    assert CountingHelm.calls["history"] == 0

"""The Helm engine against the real sandbox control plane: Secret storage, lifecycle, readiness.

Install, upgrade, history, rollback and uninstall a reference chart; wait for readiness until
success, and until a timeout on a pod the sandbox keeps NotReady on purpose.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.integration.helm_support import store_pending_upgrade
from tests.integration.sandbox_cluster import Cluster
from tests.unit.test_helm_reference_charts import RELEASES, env_values

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.engines.kube.client import KubeReader
from unideploy.engines.kube.readiness import ReadinessResult
from unideploy.engines.kube.wait import wait_ready
from unideploy.errors import EngineError
from unideploy.sandbox.kubeconfig import CONTEXT

ROOT = Path(__file__).resolve().parents[2]
WEB_APP = str(ROOT / "helm" / "charts" / "web-app")
FIXTURES = ROOT / "tests" / "fixtures" / "helm"
UNREADY = {"unideploy.io/sandbox-unready": "true"}


def values(replicas: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "global": {"environment": "development", "replicas": {"min": replicas, "max": 3}},
        "component": "web",
        **extra,
    }


@pytest.fixture
def kubeconfig(sandbox: Cluster) -> Path:
    return sandbox.kubeconfig


@pytest.fixture
def helm(kubeconfig: Path, tmp_path: Path) -> SdkHelm:
    return SdkHelm(kubeconfig, CONTEXT, cache=ChartCache(tmp_path / "charts"))


@pytest.fixture
def reader(kubeconfig: Path) -> KubeReader:
    return KubeReader.from_kubeconfig(kubeconfig, CONTEXT)


def replicas_of(reader: KubeReader, namespace: str, name: str) -> int | None:
    live = reader.get("apps/v1", "Deployment", namespace, name)
    return None if live is None else int(live["spec"]["replicas"])


@pytest.mark.cluster
def test_install_upgrade_history_rollback_uninstall(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    spec = ReleaseSpec("web", namespace, WEB_APP, values=values(2), timeout_s=120)

    first = helm.upgrade(spec)
    second = helm.upgrade(ReleaseSpec("web", namespace, WEB_APP, values=values(3), timeout_s=120))

    assert (first.revision, first.status) == (1, "deployed")
    assert (second.revision, second.status) == (2, "deployed")
    assert replicas_of(reader, namespace, "web") == 3
    # Storage driver `secret`: `helm history` / `helm list -A` read these.
    assert reader.get("v1", "Secret", namespace, "sh.helm.release.v1.web.v2") is not None

    back = helm.rollback("web", namespace, 1, timeout_s=120, wait=True)

    assert back.revision == 3 and back.status == "deployed"
    assert back.description == "Rollback to 1"
    assert replicas_of(reader, namespace, "web") == 2
    history = helm.history("web", namespace)
    assert [(r.revision, r.status) for r in history] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]
    assert history[0].chart == "web-app-0.1.0"
    listed = helm.releases(namespace)
    assert [(r.release, r.revision, r.status) for r in listed] == [("web", 3, "deployed")]
    assert any(r.namespace == namespace for r in helm.releases())

    assert helm.uninstall("web", namespace, timeout_s=60) is True

    assert helm.history("web", namespace) == []
    assert replicas_of(reader, namespace, "web") is None
    assert helm.uninstall("web", namespace) is False


@pytest.mark.cluster
def test_readiness_wait_reports_progress_until_ready(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    spec = ReleaseSpec(
        "api", namespace, WEB_APP, values=values(2), wait=False, atomic=False, timeout_s=60
    )
    helm.upgrade(spec)
    messages: list[str] = []

    result = wait_ready(
        reader,
        helm.render(spec).manifests,
        namespace=namespace,
        timeout_s=90,
        interval_s=0.5,
        progress=messages.append,
    )

    assert result.ready, result.summary()
    assert messages[-1] == "api: 2/2 replicas ready"


@pytest.mark.cluster
def test_readiness_wait_times_out_on_a_pod_that_stays_unready(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    spec = ReleaseSpec(
        "stuck",
        namespace,
        WEB_APP,
        values=values(1, podAnnotations=UNREADY),
        wait=False,
        atomic=False,
    )
    helm.upgrade(spec)

    result = wait_ready(
        reader, helm.render(spec).manifests, namespace=namespace, timeout_s=8, interval_s=0.5
    )

    assert not result.ready and result.timed_out
    assert [str(s.target) for s in result.not_ready] == [f"Deployment {namespace}/stuck"]
    # The sandbox keeps the pod Running with Ready=False (reason ContainersNotReady).
    assert re.search(
        r"stuck: 0/1 replicas ready \(pod stuck-[a-z0-9]+-[a-z0-9]+: ContainersNotReady\)",
        result.summary(),
    ), result.summary()


@pytest.mark.cluster
def test_cancel_token_ends_the_wait_early(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    spec = ReleaseSpec(
        "halt",
        namespace,
        WEB_APP,
        values=values(1, podAnnotations=UNREADY),
        wait=False,
        atomic=False,
    )
    helm.upgrade(spec)
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()

    result = wait_ready(
        reader, helm.render(spec).manifests, namespace=namespace, timeout_s=120, cancel=cancel
    )

    assert result.cancelled and result.elapsed_s < 30


@pytest.mark.cluster
def test_an_atomic_first_install_that_never_gets_ready_is_removed(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    spec = ReleaseSpec(
        "fragile", namespace, WEB_APP, values=values(1, podAnnotations=UNREADY), timeout_s=10
    )

    with pytest.raises(EngineError) as caught:
        helm.upgrade(spec)

    assert 'helm install of release "fragile"' in caught.value.message
    assert caught.value.retryable is False
    assert helm.history("fragile", namespace) == []
    assert replicas_of(reader, namespace, "fragile") is None


@pytest.mark.cluster
def test_an_atomic_upgrade_that_never_gets_ready_is_rolled_back(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    good = ReleaseSpec("app", namespace, WEB_APP, values=values(1), timeout_s=120)
    bad = ReleaseSpec(
        "app", namespace, WEB_APP, values=values(1, podAnnotations=UNREADY), timeout_s=10
    )
    helm.upgrade(good)

    with pytest.raises(EngineError, match='helm upgrade of release "app"'):
        helm.upgrade(bad)

    history = helm.history("app", namespace)
    assert history[-1].status == "deployed" and history[-1].revision == 3
    assert history[-1].description.startswith("Rollback to 1")
    assert history[1].status == "failed"


def test_an_unreachable_cluster_is_a_retryable_engine_error(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: not-a-real-token}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: u}}]\n"
    )
    helm = SdkHelm(config, "gone", cache=ChartCache(tmp_path / "charts"))
    spec = ReleaseSpec("web", "apps", WEB_APP, values=values())

    with pytest.raises(EngineError) as caught:
        helm.upgrade(spec)

    assert caught.value.retryable is True
    assert '"web"' in caught.value.message and "connection refused" in caught.value.message
    assert "not-a-real-token" not in caught.value.render()


@pytest.mark.cluster
def test_cancelling_a_waiting_install_stops_it_promptly(helm: SdkHelm, namespace: str) -> None:
    spec = ReleaseSpec(
        "paused",
        namespace,
        WEB_APP,
        values=values(1, podAnnotations=UNREADY),
        wait=True,
        atomic=False,
        timeout_s=120,
    )
    cancel = threading.Event()
    threading.Timer(2.0, cancel.set).start()
    started = time.monotonic()

    with pytest.raises(EngineError) as caught:
        helm.upgrade(spec, cancel=cancel)

    assert time.monotonic() - started < 60
    assert caught.value.hint is not None and "cancelled" in caught.value.hint
    statuses = [r.status for r in helm.history("paused", namespace)]
    assert statuses == ["failed"], statuses


@pytest.mark.cluster
def test_the_reference_stack_deploys_and_gets_ready(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    messages: list[str] = []
    for release, (_home, chart) in RELEASES.items():
        chart_values = env_values("development", release)
        if chart == "storage":  # cluster-scoped: keep it apart from other tests' classes
            chart_values["storageClass"] = {"name": f"longhorn-{namespace}", "isDefault": False}
        spec = ReleaseSpec(
            release,
            namespace,
            str(ROOT / "helm" / "charts" / chart),
            values=chart_values,
            wait=False,
            atomic=False,
            timeout_s=120,
        )
        helm.upgrade(spec)
        result = wait_ready(
            reader,
            helm.render(spec).manifests,
            namespace=namespace,
            timeout_s=90,
            interval_s=0.5,
            progress=messages.append,
        )
        assert result.ready, f"{release}: {result.summary()}"

    deployed = {(r.release, r.status) for r in helm.releases(namespace)}
    assert deployed == {(name, "deployed") for name in RELEASES}
    assert "grafana: 1/1 replicas ready" in messages
    assert reader.get("storage.k8s.io/v1", "StorageClass", None, f"longhorn-{namespace}")
    for release in RELEASES:
        helm.uninstall(release, namespace)
    assert reader.get("storage.k8s.io/v1", "StorageClass", None, f"longhorn-{namespace}") is None


@pytest.mark.cluster
def test_a_failed_first_install_can_be_fixed_by_the_next_upgrade(
    helm: SdkHelm, reader: KubeReader, namespace: str
) -> None:
    broken = ReleaseSpec(
        "retry",
        namespace,
        WEB_APP,
        values=values(1, podAnnotations=UNREADY),
        atomic=False,
        wait=True,
        timeout_s=5,
    )
    with pytest.raises(EngineError):
        helm.upgrade(broken)
    assert [r.status for r in helm.history("retry", namespace)] == ["failed"]

    fixed = helm.upgrade(ReleaseSpec("retry", namespace, WEB_APP, values=values(2), timeout_s=120))

    assert (fixed.revision, fixed.status) == (2, "deployed")
    assert replicas_of(reader, namespace, "retry") == 2


@pytest.mark.cluster
def test_readiness_covers_jobs_statefulsets_daemonsets_pvcs_and_load_balancers(
    helm: SdkHelm, reader: KubeReader, sandbox: Cluster, namespace: str
) -> None:
    spec = ReleaseSpec("kinds", namespace, str(FIXTURES / "ready-kinds"), wait=False, atomic=False)
    helm.upgrade(spec)
    messages: list[str] = []
    outcome: list[ReadinessResult] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(
            wait_ready(
                reader,
                helm.render(spec).manifests,
                namespace=namespace,
                timeout_s=90,
                interval_s=0.5,
                progress=messages.append,
            )
        )
    )
    waiter.start()
    deadline = time.monotonic() + 30
    while "lb: waiting for a load-balancer address" not in messages:
        assert time.monotonic() < deadline, messages
        time.sleep(0.2)
    # What MetalLB would do: give the Service an address through its status.
    sandbox.kubectl(
        "patch",
        "service",
        "lb",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"loadBalancer":{"ingress":[{"ip":"192.168.1.200"}]}}}',
    )
    waiter.join(timeout=120)

    (result,) = outcome
    assert result.ready, result.summary()
    for expected in (
        "lb: address 192.168.1.200",
        "data: Bound",
        "migrate: complete",
        "db: 1/1 replicas ready",
        "agent: 1/1 replicas ready",
    ):
        assert expected in messages, messages
    helm.uninstall("kinds", namespace)


@pytest.mark.cluster
def test_a_release_stuck_pending_is_seen_refused_and_recovered_by_rollback(
    helm: SdkHelm, sandbox: Cluster, namespace: str
) -> None:
    spec = ReleaseSpec("pend", namespace, WEB_APP, values=values(1), timeout_s=120)
    helm.upgrade(spec)
    store_pending_upgrade(sandbox, namespace, "pend")

    history = helm.history("pend", namespace)
    listed = helm.releases(namespace)
    with pytest.raises(EngineError) as caught:
        helm.upgrade(spec)

    assert [(r.revision, r.status, r.pending) for r in history] == [
        (1, "deployed", False),
        (2, "pending-upgrade", True),
    ]
    assert history[-1].description == "Preparing upgrade"
    assert [(r.release, r.status) for r in listed] == [("pend", "pending-upgrade")]
    assert caught.value.hint is not None and "--recover-pending" in caught.value.hint

    recovered = helm.rollback("pend", namespace, 1, timeout_s=120)

    assert (recovered.revision, recovered.status) == (3, "deployed")
    assert helm.upgrade(spec).revision == 4

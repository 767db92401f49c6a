"""What a homelab stack needs from the sandbox: LoadBalancer addresses, volumes, webhooks, nodes.

The session sandbox (webhooks simulated) runs the LoadBalancer and volume tests; a second sandbox
of this module's own, started with `--webhooks=fail` and three tainted, labelled nodes, shows
Kubernetes' own failure (fast, with our hint) and the node options.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.integration.sandbox_cluster import Cluster, require_tools

from unideploy.cli.sandbox import sandbox_group
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.engines.kube.client import KubeReader
from unideploy.engines.kube.wait import wait_ready
from unideploy.errors import EngineError
from unideploy.exitcodes import ExitCode
from unideploy.sandbox import Sandbox, find_tool
from unideploy.sandbox.kubeconfig import CONTEXT
from unideploy.sandbox.nodes import NodeOptions

CHART = Path(__file__).resolve().parents[1] / "fixtures" / "helm" / "homelab-kinds"
LOOPBACK_LB = ipaddress.ip_network("127.240.0.0/16")


@pytest.mark.cluster
def test_load_balancer_gets_a_loopback_address_and_claims_bind_so_the_wait_passes(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    helm = SdkHelm(sandbox.kubeconfig, CONTEXT, cache=ChartCache(tmp_path / "charts"))
    spec = ReleaseSpec("homelab", namespace, str(CHART), wait=False, atomic=False)
    helm.upgrade(spec)
    messages: list[str] = []
    result = wait_ready(
        KubeReader.from_kubeconfig(sandbox.kubeconfig, CONTEXT),
        helm.render(spec).manifests,
        namespace=namespace,
        timeout_s=90,
        interval_s=0.5,
        progress=messages.append,
    )

    assert result.ready, result.summary()
    address = next(m.split()[-1] for m in messages if m.startswith("web: address "))
    assert ipaddress.ip_address(address) in LOOPBACK_LB
    assert "store: 2/2 replicas ready" in messages
    claims = sandbox.get_json("pvc", namespace=namespace)["items"]
    # k3s's default is local-path; a chart deployed earlier may have made its own class the
    # default (the newest default wins), and the stand-in provisions that one too.
    defaults = [
        sc
        for sc in sandbox.get_json("storageclass")["items"]
        if (sc["metadata"].get("annotations") or {}).get(
            "storageclass.kubernetes.io/is-default-class"
        )
        == "true"
    ]
    newest = max(defaults, key=lambda sc: sc["metadata"]["creationTimestamp"])
    assert sorted(c["metadata"]["name"] for c in claims) == ["data-store-0", "data-store-1"]
    for claim in claims:
        assert claim["status"]["phase"] == "Bound"
        assert claim["spec"]["storageClassName"] == newest["metadata"]["name"]
        volume = sandbox.get_json("pv", claim["spec"]["volumeName"])
        node = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]
        assert node["matchExpressions"][0]["values"] == ["sandbox-node-0"]
    storage_class = sandbox.get_json("storageclass", "local-path")
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage_class["provisioner"] == "rancher.io/local-path"

    helm.uninstall("homelab", namespace)
    sandbox.kubectl("delete", "pvc", "--all", "-n", namespace, "--wait=true", timeout=60)
    volumes = [c["spec"]["volumeName"] for c in claims]
    deadline = time.monotonic() + 30
    while any(sandbox.kubectl("get", "pv", v, check=False).returncode == 0 for v in volumes):
        assert time.monotonic() < deadline, "released local-path volumes were not deleted"
        time.sleep(0.5)


@pytest.mark.cluster
def test_metallb_address_pools_decide_which_services_get_addresses(
    sandbox: Cluster, namespace: str
) -> None:
    crd = Path(__file__).resolve().parents[1] / "fixtures" / "crds" / "metallb-ipaddresspool.yaml"
    sandbox.kubectl("apply", "-f", str(crd))
    try:
        deadline = time.monotonic() + 30
        while sandbox.kubectl("get", "ipaddresspools", "-A", check=False).returncode != 0:
            assert time.monotonic() < deadline
            time.sleep(0.3)
        pool = {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "IPAddressPool",
            "metadata": {"name": "lan", "namespace": namespace},
            "spec": {"addresses": ["192.168.1.240-192.168.1.241"]},
        }
        sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(pool))
        for name in ("a", "b", "c"):
            svc = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
            }
            sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(svc))
        time.sleep(3)  # several reconcile passes
        got = {
            s["metadata"]["name"]: (s["status"].get("loadBalancer") or {}).get("ingress")
            for s in sandbox.get_json("svc", namespace=namespace)["items"]
        }
    finally:
        sandbox.kubectl("delete", "svc", "--all", "-n", namespace, check=False)
        sandbox.kubectl("delete", "-f", str(crd), "--wait=false", check=False)
    assigned = sorted(ingress[0]["ip"] for ingress in got.values() if ingress)
    # A two-address pool serves two Services; the third stays pending, as with MetalLB.
    assert len(assigned) == 2, got
    assert all(ip.startswith("127.241.") for ip in assigned), assigned


@pytest.mark.cluster
def test_status_says_webhooks_are_simulated_and_the_network_is_isolated(sandbox: Cluster) -> None:
    state_dir = str(sandbox.kubeconfig.parent)
    shown = CliRunner().invoke(sandbox_group, ["status", "--state-dir", state_dir, "-o", "json"])
    data = json.loads(shown.stdout)
    assert (data["webhooks"], data["network_isolated"]) == ("simulate", True)
    text = CliRunner().invoke(sandbox_group, ["status", "--state-dir", state_dir])
    assert text.exit_code == ExitCode.OK
    assert "webhooks: simulated" in text.stdout
    assert "loopback only" in text.stdout


@pytest.fixture(scope="module")
def failing_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A sandbox with --webhooks=fail and three nodes (labelled; all but the first tainted)."""
    require_tools()
    options = NodeOptions(
        labels=(("homelab.example.com/rack", "r1"),), taints=(("infra", "", "NoSchedule"),)
    )
    box = Sandbox(
        tmp_path_factory.mktemp("failing"), nodes=3, webhooks="fail", node_options=options
    )
    status = box.up(timeout=180)
    try:
        yield Cluster(status=status, kubeconfig=box.kubeconfig, kubectl_path=find_tool("kubectl"))
    finally:
        box.down(purge=True)


@pytest.mark.cluster
def test_webhooks_fail_mode_fails_fast_with_a_hint_naming_the_webhook(
    failing_sandbox: Cluster, tmp_path: Path
) -> None:
    failing_sandbox.kubectl("create", "namespace", "hooks")
    helm = SdkHelm(failing_sandbox.kubeconfig, CONTEXT, cache=ChartCache(tmp_path / "charts"))
    spec = ReleaseSpec("homelab", "hooks", str(CHART), wait=False, atomic=False, timeout_s=60)

    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        helm.upgrade(spec)
    elapsed = time.monotonic() - started

    assert elapsed < 15, elapsed
    assert 'failed calling webhook "mutate.homelab.example.com"' in str(caught.value)
    assert "unideploy sandbox" in str(caught.value)
    assert caught.value.hint is not None
    assert 'admission webhook "mutate.homelab.example.com"' in caught.value.hint
    assert "--webhooks=fail" in caught.value.hint
    shown = CliRunner().invoke(
        sandbox_group, ["status", "--state-dir", str(failing_sandbox.kubeconfig.parent)]
    )
    assert "webhooks: not served (--webhooks=fail)" in shown.stdout


@pytest.mark.cluster
def test_extra_nodes_carry_zones_labels_and_taints_for_spread_and_anti_affinity(
    failing_sandbox: Cluster,
) -> None:
    nodes = {n["metadata"]["name"]: n for n in failing_sandbox.get_json("nodes")["items"]}
    assert sorted(nodes) == ["sandbox-node-0", "sandbox-node-1", "sandbox-node-2"]
    zones = {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes.values()}
    assert len(zones) == 3
    assert all(n["metadata"]["labels"]["homelab.example.com/rack"] == "r1" for n in nodes.values())
    assert "taints" not in nodes["sandbox-node-0"]["spec"]
    assert nodes["sandbox-node-2"]["spec"]["taints"] == [{"key": "infra", "effect": "NoSchedule"}]

    spread = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "spread", "namespace": "default"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "spread"}},
            "template": {
                "metadata": {"labels": {"app": "spread"}},
                "spec": {
                    "tolerations": [{"key": "infra", "operator": "Exists"}],
                    "affinity": {
                        "podAntiAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "labelSelector": {"matchLabels": {"app": "spread"}},
                                    "topologyKey": "kubernetes.io/hostname",
                                }
                            ]
                        }
                    },
                    "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
                },
            },
        },
    }
    failing_sandbox.kubectl("apply", "-f", "-", input_text=json.dumps(spread))
    failing_sandbox.kubectl(
        "rollout", "status", "deployment/spread", "-n", "default", "--timeout=60s", timeout=90
    )
    pods = failing_sandbox.get_json("pods", "-l", "app=spread", namespace="default")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == sorted(nodes)

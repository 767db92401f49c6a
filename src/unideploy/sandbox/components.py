"""Command lines of the sandbox components, built from the state-dir layout and the ports.

Pure: no processes and no I/O. `core` starts these argv lists, in ORDER, through engines.process:
first the bridge (which creates the sandbox network namespace, see netns and bridge), then every
other component inside that namespace. There each listener binds 127.0.0.1 on a fixed port (the
namespace is the sandbox's own, so nothing else can hold them); only the bridge's port, chosen
free at `up`, is visible on the host.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from unideploy.sandbox.pkifiles import Pki

SERVICE_CIDR = "10.0.0.0/24"
SA_ISSUER = "https://kubernetes.default.svc.cluster.local"
ORDER = (
    "bridge",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "sandbox-controllers",
)
# Where the apiserver sends every dial to the cluster network (webhooks, aggregated APIs,
# kubelets): an abstract Unix socket, which belongs to the sandbox network namespace.
EGRESS_SOCKET = "@unideploy-sandbox-egress"


@dataclass(frozen=True)
class Ports:
    """The TCP ports every component listens on (all on 127.0.0.1)."""

    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int

    def as_dict(self) -> dict[str, int]:
        """Return the ports by name, for the state file and `status`."""
        return {
            "etcd-client": self.etcd_client,
            "etcd-peer": self.etcd_peer,
            "kube-apiserver": self.apiserver,
            "kube-controller-manager": self.controller_manager,
            "kube-scheduler": self.scheduler,
        }


@dataclass(frozen=True)
class Layout:
    """Where everything lives under the sandbox state directory."""

    root: Path

    @property
    def pki(self) -> Pki:
        """Certificates and keys."""
        return Pki(self.root / "pki")

    @property
    def etcd_data(self) -> Path:
        """The etcd data directory (kept across `down`/`up` unless purged)."""
        return self.root / "etcd"

    @property
    def logs(self) -> Path:
        """One log file per component."""
        return self.root / "logs"

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig users and tests point at (context `unideploy-sandbox`)."""
        return self.root / "kubeconfig"

    @property
    def state_file(self) -> Path:
        """Pids, ports and versions of the running sandbox."""
        return self.root / "state.json"

    @property
    def port_file(self) -> Path:
        """The API's host port when the sandbox last came up: the next `up` asks for it again."""
        return self.root / "port"

    @property
    def egress_config(self) -> Path:
        """kube-apiserver's EgressSelectorConfiguration."""
        return self.root / "egress-selector.yaml"

    @property
    def netns_ready(self) -> Path:
        """Written by the bridge once the sandbox network namespace exists."""
        return self.root / "netns.ready"

    @property
    def controllers_ready(self) -> Path:
        """Written by sandbox-controllers once the webhook stand-in listens."""
        return self.root / "controllers.ready"

    @property
    def webhook_calls(self) -> Path:
        """One JSON line per webhook call the stand-in answered or refused."""
        return self.root / "webhook-calls.jsonl"

    @property
    def audit_log(self) -> Path:
        """kube-apiserver's audit log, JSON lines (written only with the audit log on)."""
        return self.root / "audit.log"

    @property
    def audit_policy(self) -> Path:
        """kube-apiserver's audit policy (see sandbox.audit)."""
        return self.root / "audit-policy.yaml"

    @property
    def kwok_config(self) -> Path:
        """The kwok configuration and Stages."""
        return self.root / "kwok.yaml"

    def component_kubeconfig(self, who: str) -> Path:
        """The kubeconfig a component authenticates with."""
        return self.root / "kubeconfigs" / f"{who}.kubeconfig"

    def log(self, component: str) -> Path:
        """The log file of `component`."""
        return self.logs / f"{component}.log"


def etcd(binary: Path, layout: Layout, ports: Ports) -> list[str]:
    """Return etcd's argv: one member, plain HTTP on loopback, data under the state dir."""
    client = f"http://127.0.0.1:{ports.etcd_client}"
    peer = f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        str(binary),
        "--name=sandbox",
        f"--data-dir={layout.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=sandbox={peer}",
        "--initial-cluster-state=new",
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=4294967296",
        "--log-level=warn",
    ]


def apiserver(binary: Path, layout: Layout, ports: Ports) -> list[str]:
    """Return kube-apiserver's argv: RBAC and Node authorization, client-certificate auth."""
    pki = layout.pki
    return [
        str(binary),
        f"--etcd-servers=http://127.0.0.1:{ports.etcd_client}",
        "--authorization-mode=Node,RBAC",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={ports.apiserver}",
        f"--tls-cert-file={pki.serving_cert}",
        f"--tls-private-key-file={pki.serving_key}",
        f"--client-ca-file={pki.ca_cert}",
        f"--service-account-key-file={pki.sa_pub}",
        f"--service-account-signing-key-file={pki.sa_key}",
        f"--service-account-issuer={SA_ISSUER}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        f"--egress-selector-config-file={layout.egress_config}",
        "--allow-privileged=true",
        "--endpoint-reconciler-type=none",
        "--v=1",
    ]


#: kube-controller-manager's requests per second to the sandbox's API server (see its argv).
CONTROLLER_QPS = 200


def controller_manager(binary: Path, layout: Layout, ports: Ports) -> list[str]:
    """Return kube-controller-manager's argv: every default controller, one SA per controller."""
    kubeconfig = layout.component_kubeconfig("controller-manager")
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.controller_manager}",
        f"--root-ca-file={layout.pki.ca_cert}",
        f"--service-account-private-key-file={layout.pki.sa_key}",
        "--use-service-account-credentials=true",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
        "--leader-elect=false",
        # Client-side rate limits sized for one user's sandbox, not a shared control plane
        # (defaults 20 QPS, burst 30, 5 deployment/replicaset workers): with kwok's instant pods
        # they, not the API server, set how fast fifty Deployments become ready.
        f"--kube-api-qps={CONTROLLER_QPS}",
        f"--kube-api-burst={2 * CONTROLLER_QPS}",
        "--concurrent-deployment-syncs=16",
        "--concurrent-replicaset-syncs=16",
        "--v=1",
    ]


def scheduler(binary: Path, layout: Layout, ports: Ports) -> list[str]:
    """Return kube-scheduler's argv."""
    kubeconfig = layout.component_kubeconfig("scheduler")
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.scheduler}",
        "--leader-elect=false",
        "--v=1",
    ]


def kwok(binary: Path, layout: Layout, ports: Ports) -> list[str]:
    """Return kwok's argv: it manages only the nodes annotated `kwok.x-k8s.io/node=fake`."""
    del ports  # kwok serves nothing here (no --server-address)
    return [
        str(binary),
        f"--kubeconfig={layout.component_kubeconfig('admin')}",
        f"--config={layout.kwok_config}",
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
    ]


INNER_PORTS = Ports(
    etcd_client=2379, etcd_peer=2380, apiserver=6443, controller_manager=10257, scheduler=10259
)


def egress_selector_config() -> dict[str, object]:
    """Send the apiserver's "cluster" dials as HTTP CONNECT to the sandbox-controllers socket."""
    return {
        "apiVersion": "apiserver.k8s.io/v1beta1",
        "kind": "EgressSelectorConfiguration",
        "egressSelections": [
            {
                "name": "cluster",
                "connection": {
                    "proxyProtocol": "HTTPConnect",
                    "transport": {"uds": {"udsName": EGRESS_SOCKET}},
                },
            }
        ],
    }


def bridge(host_port: int, layout: Layout) -> list[str]:
    """Return the bridge's argv (runs in the host namespace and creates the sandbox's)."""
    return [
        sys.executable,
        "-m",
        "unideploy.sandbox.bridge",
        f"--port={host_port}",
        f"--target-port={INNER_PORTS.apiserver}",
        f"--ready={layout.netns_ready}",
    ]


def sandbox_controllers(layout: Layout, webhooks: str) -> list[str]:
    """Return the argv of the webhook stand-in, ServiceLB and local-path controllers."""
    return [
        sys.executable,
        "-m",
        "unideploy.sandbox.controllers",
        f"--state-dir={layout.root}",
        f"--webhooks={webhooks}",
        f"--api-port={INNER_PORTS.apiserver}",
    ]


def in_namespace(
    nsenter: Path, namespace: str, argv: list[str], user_namespace: str | None = None
) -> list[str]:
    """Wrap `argv` so it runs in the network namespace at `namespace` (/proc/<pid>/ns/net).

    Without root the network namespace belongs to a user namespace of the sandbox's own, which is
    joined first (keeping our uid: it is that namespace's root).
    """
    user = [f"--user={user_namespace}", "--preserve-credentials"] if user_namespace else []
    return [str(nsenter), *user, f"--net={namespace}", "--", *argv]


BUILDERS = {
    "etcd": etcd,
    "kube-apiserver": apiserver,
    "kube-controller-manager": controller_manager,
    "kube-scheduler": scheduler,
    "kwok": kwok,
}

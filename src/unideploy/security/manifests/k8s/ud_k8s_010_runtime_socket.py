"""UD-K8S-010 container runtime socket mounted (checkov CKV_K8S_27, kubescape C-0074)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.objects import PodSpec, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
)

CHECK = Check(
    id="UD-K8S-010",
    severity=Severity.CRITICAL,
    title="Pods must not mount the container runtime socket",
    rationale=(
        "The runtime socket starts privileged containers on demand: whoever holds it owns the node."
    ),
    references=("CKV_K8S_27", "C-0074"),
)


def _exposes_socket(path: str) -> bool:
    path = path.rstrip("/") or "/"
    return any(sock == path or sock.startswith(path + "/") or path == "/" for sock in SOCKETS)


@CHECK.pods
def runtime_socket(pod: PodSpec) -> Iterator[Finding]:
    for volume in pod.volumes:
        path = str(as_map(volume.get("hostPath")).get("path", ""))
        if path and _exposes_socket(path):
            yield CHECK.finding(
                pod, f'volume "{volume.get("name", "")}" exposes runtime socket {path}'
            )

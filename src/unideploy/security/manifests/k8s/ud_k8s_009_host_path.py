"""UD-K8S-009 hostPath volumes (kubescape C-0048)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.objects import PodSpec, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-009",
    severity=Severity.HIGH,
    title="Pods must not mount hostPath volumes",
    rationale=(
        "A hostPath mount reads or writes the node's filesystem, past every container boundary."
    ),
    references=("C-0048",),
)


@CHECK.pods
def host_path(pod: PodSpec) -> Iterator[Finding]:
    for volume in pod.volumes:
        if "hostPath" in volume:
            path = as_map(volume.get("hostPath")).get("path", "?")
            yield CHECK.finding(pod, f'volume "{volume.get("name", "")}" mounts host path {path}')

"""UD-K8S-005 pods sharing the node's Network namespace (checkov CKV_K8S_19, kubescape C-0041)."""

from __future__ import annotations

from unideploy.security.manifests.objects import PodSpec
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-005",
    severity=Severity.HIGH,
    title="Pods must not set hostNetwork",
    rationale=(
        "With hostNetwork the pod sees the node's network stack, including its loopback services."
    ),
    references=("CKV_K8S_19", "C-0041"),
)


@CHECK.pods
def host_namespace(pod: PodSpec) -> Finding | None:
    if pod.spec.get("hostNetwork") is True:
        return CHECK.finding(pod, "hostNetwork is true")
    return None

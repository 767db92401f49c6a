"""UD-K8S-006 pods sharing the node's PID namespace (checkov CKV_K8S_17, kubescape C-0038)."""

from __future__ import annotations

from unideploy.security.manifests.objects import PodSpec
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-006",
    severity=Severity.HIGH,
    title="Pods must not set hostPID",
    rationale=(
        "With hostPID the pod sees every process on the node, which it can inspect and signal."
    ),
    references=("CKV_K8S_17", "C-0038"),
)


@CHECK.pods
def host_namespace(pod: PodSpec) -> Finding | None:
    if pod.spec.get("hostPID") is True:
        return CHECK.finding(pod, "hostPID is true")
    return None

"""UD-K8S-007 pods sharing the node's IPC namespace (checkov CKV_K8S_18, kubescape C-0038)."""

from __future__ import annotations

from unideploy.security.manifests.objects import PodSpec
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-007",
    severity=Severity.HIGH,
    title="Pods must not set hostIPC",
    rationale="With hostIPC the pod sees the node's shared memory and IPC objects.",
    references=("CKV_K8S_18", "C-0038"),
)


@CHECK.pods
def host_namespace(pod: PodSpec) -> Finding | None:
    if pod.spec.get("hostIPC") is True:
        return CHECK.finding(pod, "hostIPC is true")
    return None

"""UD-K8S-024 service account token mounted automatically (checkov CKV_K8S_38, kubescape C-0034)."""

from __future__ import annotations

from unideploy.security.manifests.objects import PodSpec
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-024",
    severity=Severity.LOW,
    title="Pods should not mount a service account token they do not need",
    rationale="A mounted token is an API credential waiting for whoever breaks into the container.",
    references=("CKV_K8S_38", "C-0034"),
)


@CHECK.pods
def automount(pod: PodSpec) -> Finding | None:
    if pod.spec.get("automountServiceAccountToken") is not False:
        return CHECK.finding(pod, "automountServiceAccountToken is not false")
    return None

"""UD-K8S-027 workloads running as the default ServiceAccount (kubescape C-0189)."""

from __future__ import annotations

from unideploy.security.manifests.objects import PodSpec
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-027",
    severity=Severity.LOW,
    title="Workloads should run under their own ServiceAccount",
    rationale=(
        "A dedicated account lets rights be granted to one workload instead of a whole namespace."
    ),
    references=("C-0189",),
)


@CHECK.pods
def default_account(pod: PodSpec) -> Finding | None:
    name = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount") or "default"
    if name == "default":
        return CHECK.finding(pod, "runs as the default ServiceAccount")
    return None

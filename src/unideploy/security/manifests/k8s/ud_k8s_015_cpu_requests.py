"""UD-K8S-015 cpu requests missing (checkov CKV_K8S_10, kubescape C-0050)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import missing_resource
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-015",
    severity=Severity.LOW,
    title="Containers should set cpu requests",
    rationale=(
        "Without cpu requests the scheduler cannot place the pod honestly and it is first to be "
        "evicted."
    ),
    references=("CKV_K8S_10", "C-0050"),
)


@CHECK.containers
def cpu_requests(container: Container) -> Finding | None:
    missing = missing_resource(container, "requests", "cpu")
    return CHECK.finding(container, missing) if missing else None

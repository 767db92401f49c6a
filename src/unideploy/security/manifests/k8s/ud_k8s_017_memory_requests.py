"""UD-K8S-017 memory requests missing (checkov CKV_K8S_12, kubescape C-0004)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import missing_resource
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-017",
    severity=Severity.LOW,
    title="Containers should set memory requests",
    rationale=(
        "Without memory requests the scheduler cannot place the pod honestly and it is first to "
        "be evicted."
    ),
    references=("CKV_K8S_12", "C-0004"),
)


@CHECK.containers
def memory_requests(container: Container) -> Finding | None:
    missing = missing_resource(container, "requests", "memory")
    return CHECK.finding(container, missing) if missing else None

"""UD-K8S-015 cpu requests missing (checkov CKV_K8S_10, kubescape C-0050)."""

from __future__ import annotations

from unideploy.checks.objects import Container, as_map
from unideploy.checks.registry import Check, Finding, Severity

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
    if container.role == "ephemeralContainer":
        return None  # the API forbids resources on ephemeral containers
    requests = as_map(container.resources.get("requests"))
    limits = as_map(container.resources.get("limits"))
    if requests.get("cpu") in (None, "") and limits.get("cpu") in (None, ""):
        # a limit alone is fine: Kubernetes copies it into the request
        return CHECK.finding(container, "resources.requests.cpu is not set (nor a limit)")
    return None

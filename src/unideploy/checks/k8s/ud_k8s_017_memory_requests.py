"""UD-K8S-017 memory requests missing (checkov CKV_K8S_12, kubescape C-0004)."""

from __future__ import annotations

from unideploy.checks.objects import Container, as_map
from unideploy.checks.registry import Check, Finding, Severity

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
    if container.role == "ephemeralContainer":
        return None  # the API forbids resources on ephemeral containers
    requests = as_map(container.resources.get("requests"))
    limits = as_map(container.resources.get("limits"))
    if requests.get("memory") in (None, "") and limits.get("memory") in (None, ""):
        # a limit alone is fine: Kubernetes copies it into the request
        return CHECK.finding(container, "resources.requests.memory is not set (nor a limit)")
    return None

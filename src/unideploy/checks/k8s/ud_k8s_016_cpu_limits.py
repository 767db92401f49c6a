"""UD-K8S-016 cpu limits missing (checkov CKV_K8S_11, kubescape C-0050)."""

from __future__ import annotations

from unideploy.checks.objects import Container, as_map
from unideploy.checks.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-016",
    severity=Severity.LOW,
    title="Containers should set cpu limits",
    rationale="Without cpu limits one runaway container can starve every neighbour on the node.",
    references=("CKV_K8S_11", "C-0050"),
)


@CHECK.containers
def cpu_limits(container: Container) -> Finding | None:
    if container.role == "ephemeralContainer":
        return None  # the API forbids resources on ephemeral containers
    if as_map(container.resources.get("limits")).get("cpu") in (None, ""):
        return CHECK.finding(container, "resources.limits.cpu is not set")
    return None

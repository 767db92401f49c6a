"""UD-K8S-018 memory limits missing (checkov CKV_K8S_13, kubescape C-0004)."""

from __future__ import annotations

from unideploy.checks.objects import Container, as_map
from unideploy.checks.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-018",
    severity=Severity.LOW,
    title="Containers should set memory limits",
    rationale="Without memory limits one runaway container can starve every neighbour on the node.",
    references=("CKV_K8S_13", "C-0004"),
)


@CHECK.containers
def memory_limits(container: Container) -> Finding | None:
    if container.role == "ephemeralContainer":
        return None  # the API forbids resources on ephemeral containers
    if as_map(container.resources.get("limits")).get("memory") in (None, ""):
        return CHECK.finding(container, "resources.limits.memory is not set")
    return None

"""UD-K8S-018 memory limits missing (checkov CKV_K8S_13, kubescape C-0004)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import missing_resource
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-018",
    severity=Severity.LOW,
    title="Containers should set memory limits",
    rationale="Without memory limits one runaway container can starve every neighbour on the node.",
    references=("CKV_K8S_13", "C-0004"),
)


@CHECK.containers
def memory_limits(container: Container) -> Finding | None:
    missing = missing_resource(container, "limits", "memory")
    return CHECK.finding(container, missing) if missing else None

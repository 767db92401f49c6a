"""UD-K8S-016 cpu limits missing (checkov CKV_K8S_11, kubescape C-0050)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import missing_resource
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-016",
    severity=Severity.LOW,
    title="Containers should set cpu limits",
    rationale="Without cpu limits one runaway container can starve every neighbour on the node.",
    references=("CKV_K8S_11", "C-0050"),
)


@CHECK.containers
def cpu_limits(container: Container) -> Finding | None:
    missing = missing_resource(container, "limits", "cpu")
    return CHECK.finding(container, missing) if missing else None

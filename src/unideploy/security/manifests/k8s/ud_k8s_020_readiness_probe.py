"""UD-K8S-020 readinessProbe missing (checkov CKV_K8S_9, kubescape C-0018)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import RUN_TO_COMPLETION_KINDS
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-020",
    severity=Severity.LOW,
    title="Long-running containers should define a readinessProbe",
    rationale="Without a readinessProbe traffic reaches it before it can serve.",
    references=("CKV_K8S_9", "C-0018"),
)


@CHECK.containers
def probe(container: Container) -> Finding | None:
    if container.role != "container" or container.owner.kind in RUN_TO_COMPLETION_KINDS:
        return None  # init, ephemeral and run-to-completion containers are not probed
    if not container.raw.get("readinessProbe"):
        return CHECK.finding(container, "no readinessProbe is defined")
    return None

"""UD-K8S-019 livenessProbe missing (checkov CKV_K8S_8, kubescape C-0056)."""

from __future__ import annotations

from unideploy.security.manifests.helpers import RUN_TO_COMPLETION_KINDS
from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-019",
    severity=Severity.LOW,
    title="Long-running containers should define a livenessProbe",
    rationale="Without a livenessProbe the kubelet cannot restart it when it hangs.",
    references=("CKV_K8S_8", "C-0056"),
)


@CHECK.containers
def probe(container: Container) -> Finding | None:
    if container.role != "container" or container.owner.kind in RUN_TO_COMPLETION_KINDS:
        return None  # init, ephemeral and run-to-completion containers are not probed
    if not container.raw.get("livenessProbe"):
        return CHECK.finding(container, "no livenessProbe is defined")
    return None

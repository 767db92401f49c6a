"""UD-K8S-011 added Linux capabilities (checkov CKV_K8S_25, kubescape C-0046)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-011",
    severity=Severity.MEDIUM,
    title="Containers should not add Linux capabilities",
    rationale="Every added capability widens what a compromised process may do to the kernel.",
    references=("CKV_K8S_25", "C-0046"),
)


@CHECK.containers
def added(container: Container) -> Finding | None:
    caps, _ = container.capabilities
    if caps:
        return CHECK.finding(container, f"adds capabilities {', '.join(sorted(caps))}")
    return None

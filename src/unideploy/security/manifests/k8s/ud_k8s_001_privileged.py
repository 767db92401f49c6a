"""UD-K8S-001 privileged containers (checkov CKV_K8S_16, kubescape C-0057)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-001",
    severity=Severity.HIGH,
    title="Containers must not run privileged",
    rationale="A privileged container has every capability and device of the node: it is the node.",
    references=("CKV_K8S_16", "C-0057"),
)


@CHECK.containers
def privileged(container: Container) -> Finding | None:
    if container.security_context.get("privileged") is True:
        return CHECK.finding(container, "runs privileged: it has every capability of the host")
    return None

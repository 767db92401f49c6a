"""UD-K8S-002 privilege escalation allowed (checkov CKV_K8S_20, kubescape C-0016)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-002",
    severity=Severity.MEDIUM,
    title="Containers must set allowPrivilegeEscalation: false",
    rationale=(
        "Without it a setuid binary in the image can gain more privileges than the process has."
    ),
    references=("CKV_K8S_20", "C-0016"),
)


@CHECK.containers
def escalation(container: Container) -> Finding | None:
    value = container.security_context.get("allowPrivilegeEscalation")
    if value is not False:
        state = "is true" if value is True else "is not set (defaults to true)"
        return CHECK.finding(container, f"allowPrivilegeEscalation {state}")
    return None

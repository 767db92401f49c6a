"""UD-K8S-012 CAP_SYS_ADMIN added (checkov CKV_K8S_39, kubescape C-0046)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-012",
    severity=Severity.HIGH,
    title="Containers must not add SYS_ADMIN",
    rationale=(
        "SYS_ADMIN is close to root: mounts, namespaces and many container escapes need only it."
    ),
    references=("CKV_K8S_39", "C-0046"),
)


@CHECK.containers
def sys_admin(container: Container) -> Finding | None:
    caps, _ = container.capabilities
    if "SYS_ADMIN" in caps or "ALL" in caps:
        return CHECK.finding(container, "adds SYS_ADMIN" if "SYS_ADMIN" in caps else "adds ALL")
    return None

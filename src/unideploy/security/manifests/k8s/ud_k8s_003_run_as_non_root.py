"""UD-K8S-003 containers that may run as root (checkov CKV_K8S_23, kubescape C-0013)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-003",
    severity=Severity.MEDIUM,
    title="Containers must run as a non-root user",
    rationale="Root in a container is root on the node after any container escape.",
    references=("CKV_K8S_23", "C-0013"),
)


@CHECK.containers
def non_root(container: Container) -> Finding | None:
    non_root_flag = container.effective("runAsNonRoot")
    user = container.effective("runAsUser")
    if user == 0 and non_root_flag is True:
        return CHECK.finding(
            container, "runAsUser is 0 with runAsNonRoot: true; the kubelet will refuse to start it"
        )
    if user == 0:
        return CHECK.finding(container, "runAsUser is 0 (root)")
    if non_root_flag is True or (isinstance(user, int) and user > 0):
        return None
    return CHECK.finding(container, "neither runAsNonRoot: true nor a non-zero runAsUser is set")

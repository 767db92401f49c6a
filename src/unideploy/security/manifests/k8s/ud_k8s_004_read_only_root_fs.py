"""UD-K8S-004 writable root filesystem (checkov CKV_K8S_22, kubescape C-0017)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-004",
    severity=Severity.LOW,
    title="Containers should use a read-only root filesystem",
    rationale=(
        "A read-only root stops an intruder from dropping tools or altering binaries in place."
    ),
    references=("CKV_K8S_22", "C-0017"),
)


@CHECK.containers
def read_only_root(container: Container) -> Finding | None:
    if container.security_context.get("readOnlyRootFilesystem") is not True:
        return CHECK.finding(container, "readOnlyRootFilesystem is not true")
    return None

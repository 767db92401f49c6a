"""UD-K8S-014 seccomp profile not RuntimeDefault (checkov CKV_K8S_31, kubescape C-0210)."""

from __future__ import annotations

from unideploy.security.manifests.objects import Container, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

LEGACY_POD = "seccomp.security.alpha.kubernetes.io/pod"
LEGACY_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
GOOD_LEGACY = ("runtime/default", "docker/default")

CHECK = Check(
    id="UD-K8S-014",
    severity=Severity.MEDIUM,
    title="Containers should use the RuntimeDefault (or a Localhost) seccomp profile",
    rationale="Seccomp blocks the rarely used syscalls most kernel exploits start from.",
    references=("CKV_K8S_31", "C-0210"),
)


@CHECK.containers
def seccomp(container: Container) -> Finding | None:
    profile = as_map(container.effective("seccompProfile")).get("type")
    if profile in ("RuntimeDefault", "Localhost"):
        return None
    if profile is None:
        notes = container.pod.annotations
        legacy = notes.get(LEGACY_CONTAINER + container.name) or notes.get(LEGACY_POD)
        if legacy in GOOD_LEGACY or (legacy or "").startswith("localhost/"):
            return None
        return CHECK.finding(
            container,
            "no seccomp profile is set in the container's or the pod's securityContext "
            "(runs Unconfined)",
        )
    where = "container" if as_map(container.security_context.get("seccompProfile")) else "pod"
    return CHECK.finding(container, f"seccomp profile is {profile} (set at {where} level)")

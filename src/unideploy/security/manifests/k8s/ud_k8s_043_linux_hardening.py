"""UD-K8S-043 containers no seccomp, AppArmor or SELinux profile confines (kubescape C-0055).

Each mechanism is read as the kubelet resolves it: the container's securityContext, else the pod's
(which every container inherits), else the legacy annotations. The finding names each mechanism
that is missing or set to Unconfined.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import Container, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER = "container.apparmor.security.beta.kubernetes.io/"
CONFINING = frozenset({"RuntimeDefault", "Localhost"})

CHECK = Check(
    id="UD-K8S-043",
    severity=Severity.LOW,
    title="Containers should be confined by seccomp, AppArmor or SELinux",
    rationale="Without any of them the only wall between the process and the kernel is its uid.",
    references=("C-0055",),
)


def _legacy(value: str | None) -> str | None:
    if value is None:
        return None
    if value in ("runtime/default", "docker/default"):
        return "RuntimeDefault"
    return "Localhost" if value.startswith("localhost/") else "Unconfined"


def _where(container: Container, key: str) -> str:
    return "container" if as_map(container.security_context.get(key)) else "pod"


def seccomp(container: Container) -> tuple[str | None, str]:
    """(profile type, where it was set) of the container's seccomp profile."""
    profile = as_map(container.effective("seccompProfile")).get("type")
    if profile is not None:
        return str(profile), _where(container, "seccompProfile")
    notes = container.pod.annotations
    own = notes.get(SECCOMP_CONTAINER + container.name)
    return _legacy(own or notes.get(SECCOMP_POD)), "annotation"


def apparmor(container: Container) -> tuple[str | None, str]:
    """(profile type, where it was set) of the container's AppArmor profile."""
    profile = as_map(container.effective("appArmorProfile")).get("type")
    if profile is not None:
        return str(profile), _where(container, "appArmorProfile")
    return _legacy(container.pod.annotations.get(APPARMOR_CONTAINER + container.name)), "annotation"


@CHECK.containers
def hardening(container: Container) -> Finding | None:
    if as_map(container.effective("seLinuxOptions")).get("type"):
        return None
    found = {"seccomp": seccomp(container), "AppArmor": apparmor(container)}
    if any(profile in CONFINING for profile, _ in found.values()):
        return None
    missing = [
        f"{name} is {profile} ({where} level)" if profile else f"no {name} profile"
        for name, (profile, where) in found.items()
    ]
    missing.append("no SELinux type")
    read = "container securityContext, then pod securityContext, then annotations"
    return CHECK.finding(container, f"not confined: {', '.join(missing)} (read: {read})")

"""Pod Security Standards (Kubernetes' baseline and restricted profiles) evaluated on one pod spec.

Pure functions over `PodSpec`; the UD-K8S-037/038 checks and the per-environment policy use them.
Each violation is a short sentence naming the control and the container it concerns.
`profile_violations` evaluates a whole scan, knowing which namespaces enforce a level by label.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from unideploy.security.manifests.objects import (
    Container,
    K8sObject,
    PodSpec,
    as_list,
    as_map,
    namespace_of,
    pod_spec_of,
)

BASELINE_CAPABILITIES = frozenset(
    {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD"}
    | {"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
    | {"net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports"}
    | {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl"}
    | {"net.ipv4.tcp_keepalive_probes"}
)
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
SELINUX_TYPES_ALL = SELINUX_TYPES | {"container_engine_t"}
RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim"}
    | {"projected", "secret"}
)
PSS_LABEL = "pod-security.kubernetes.io/enforce"


class Level(StrEnum):
    """A Pod Security Standards level."""

    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"


def _who(c: Container) -> str:
    return f'{c.role} "{c.name}"'


def _seccomp_type(context: dict[str, object]) -> str | None:
    profile = as_map(context.get("seccompProfile"))
    value = profile.get("type")
    return str(value) if value is not None else None


def baseline_violations(pod: PodSpec) -> list[str]:
    """Controls of the baseline profile that `pod` violates (empty when it complies)."""
    out: list[str] = []
    spec, psc = pod.spec, pod.security_context
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            out.append(f"{key} is true")
    if as_map(psc.get("windowsOptions")).get("hostProcess") is True:
        out.append("pod runs as a Windows HostProcess")
    if _seccomp_type(psc) == "Unconfined":
        out.append("pod seccomp profile is Unconfined")
    if as_map(psc.get("appArmorProfile")).get("type") == "Unconfined":
        out.append("pod AppArmor profile is Unconfined")
    if str(as_map(psc.get("seLinuxOptions")).get("type", "")) not in SELINUX_TYPES_ALL:
        out.append("pod SELinux type is not a container type")
    for sysctl in as_list(psc.get("sysctls")):
        name = str(as_map(sysctl).get("name", ""))
        if name not in SAFE_SYSCTLS:
            out.append(f"sysctl {name} is not in the safe set")
    for vol in pod.volumes:
        if "hostPath" in vol:
            out.append(f'volume "{vol.get("name", "")}" is a hostPath')
    for key, value in pod.annotations.items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and not (
            value == "runtime/default" or value.startswith("localhost/")
        ):
            out.append(f"AppArmor annotation {key} is {value}")
    for c in pod.containers():
        sc = c.security_context
        if sc.get("privileged") is True:
            out.append(f"{_who(c)} is privileged")
        if as_map(sc.get("windowsOptions")).get("hostProcess") is True:
            out.append(f"{_who(c)} runs as a Windows HostProcess")
        added, _ = c.capabilities
        extra = sorted(added - BASELINE_CAPABILITIES)
        if extra:
            out.append(f"{_who(c)} adds capabilities {', '.join(extra)}")
        for port in as_list(c.raw.get("ports")):
            if as_map(port).get("hostPort") not in (None, 0):
                out.append(f"{_who(c)} uses hostPort {as_map(port).get('hostPort')}")
        if _seccomp_type(sc) == "Unconfined":
            out.append(f"{_who(c)} seccomp profile is Unconfined")
        if as_map(sc.get("appArmorProfile")).get("type") == "Unconfined":
            out.append(f"{_who(c)} AppArmor profile is Unconfined")
        if str(as_map(sc.get("seLinuxOptions")).get("type", "")) not in SELINUX_TYPES_ALL:
            out.append(f"{_who(c)} SELinux type is not a container type")
        if sc.get("procMount") not in (None, "Default"):
            out.append(f"{_who(c)} procMount is {sc.get('procMount')}")
    return out


def restricted_only_violations(pod: PodSpec) -> list[str]:
    """Controls restricted adds on top of baseline that `pod` violates."""
    out: list[str] = []
    for vol in pod.volumes:
        kinds = set(vol) - {"name"}
        if kinds and not kinds <= RESTRICTED_VOLUMES:
            out.append(
                f'volume "{vol.get("name", "")}" type {", ".join(sorted(kinds))} not allowed'
            )
    if pod.security_context.get("runAsUser") == 0:
        out.append("pod runAsUser is 0")
    for c in pod.containers():
        sc = c.security_context
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{_who(c)} does not set allowPrivilegeEscalation: false")
        if c.effective("runAsNonRoot") is not True:
            out.append(f"{_who(c)} does not set runAsNonRoot: true")
        if sc.get("runAsUser") == 0:
            out.append(f"{_who(c)} runAsUser is 0")
        seccomp = _seccomp_type(sc) or _seccomp_type(pod.security_context)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"{_who(c)} seccomp profile is not RuntimeDefault or Localhost")
        added, dropped = c.capabilities
        if "ALL" not in dropped:
            out.append(f"{_who(c)} does not drop ALL capabilities")
        if added - {"NET_BIND_SERVICE"}:
            out.append(f"{_who(c)} adds capabilities other than NET_BIND_SERVICE")
    return out


def violations(pod: PodSpec, level: Level) -> list[str]:
    """Every control of `level` that `pod` violates."""
    if level is Level.PRIVILEGED:
        return []
    found = baseline_violations(pod)
    if level is Level.RESTRICTED:
        found += restricted_only_violations(pod)
    return found


ENFORCING = {
    Level.BASELINE: frozenset({"baseline", "restricted"}),
    Level.RESTRICTED: frozenset({"restricted"}),
}


@dataclass(frozen=True)
class ProfileViolation:
    """A pod-bearing object that violates a level, and whether its namespace enforces that level."""

    obj: K8sObject
    message: str
    enforced: bool


def profile_violations(objects: Sequence[K8sObject], level: Level) -> Iterator[ProfileViolation]:
    """Every pod-bearing object in `objects` that violates `level` (baseline or restricted).

    A namespace in `objects` enforces `level` when its PSS label is that level or stricter.
    """
    enforcing = ENFORCING[level]
    enforced = {
        o.name for o in objects if o.kind == "Namespace" and o.labels.get(PSS_LABEL) in enforcing
    }
    for obj in objects:
        pod = pod_spec_of(obj)
        if pod is None:
            continue
        broken = violations(pod, level)
        if not broken:
            continue
        message = f"violates {level.value}: {'; '.join(broken)}"
        namespace = namespace_of(obj)
        if namespace in enforced:
            note = f"; namespace {namespace} enforces it, so admission will refuse this pod"
            yield ProfileViolation(obj, message + note, enforced=True)
        else:
            yield ProfileViolation(obj, message, enforced=False)

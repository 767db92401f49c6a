"""Live cluster audit: rules over the objects a cluster serves (namespaces, RBAC, policies, pods).

Pure over `K8sObject`s: `audit_fetch` lists them from the API server, the security phase or the CLI
passes them here with the environment's options, and findings come back like the static ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from unideploy.security.manifests.helpers import (
    describe_subject,
    is_system_subject,
    rules_of,
    subjects_of,
)
from unideploy.security.manifests.objects import (
    RBAC_BINDING_KINDS,
    K8sObject,
    ObjectRef,
    as_list,
    as_map,
    pod_spec_of,
)
from unideploy.security.manifests.pss import Level, violations
from unideploy.security.manifests.registry import (
    Check,
    Finding,
    Severity,
    apply_exemptions,
    check_by_id,
)

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
RISKY = (
    ({"get", "list", "watch"}, "secrets", "read Secrets"),
    ({"create", "get"}, "pods/exec", "exec into pods"),
    ({"create", "get"}, "pods/attach", "attach to pods"),
    ({"impersonate"}, "users", "impersonate users"),
    ({"impersonate"}, "groups", "impersonate groups"),
    ({"impersonate"}, "serviceaccounts", "impersonate service accounts"),
    ({"escalate"}, "roles", "escalate roles"),
    ({"escalate"}, "clusterroles", "escalate cluster roles"),
    ({"bind"}, "roles", "bind roles"),
    ({"bind"}, "clusterroles", "bind cluster roles"),
)


def _check(
    cid: str, severity: Severity, title: str, rationale: str, refs: tuple[str, ...]
) -> Check:
    return Check(cid, severity, title, rationale, refs, applies_to=frozenset())


NO_POLICY = _check(
    "UD-LIVE-001",
    Severity.MEDIUM,
    "Namespaces should have a NetworkPolicy",
    "Without one every pod in the namespace accepts traffic from anywhere in the cluster.",
    ("C-0260",),
)
NO_DEFAULT_DENY = _check(
    "UD-LIVE-002",
    Severity.HIGH,
    "Namespaces must deny ingress by default when network policies are enforced",
    "Allow-lists only protect pods if everything not listed is denied first.",
    (),
)
ADMIN_BINDINGS = _check(
    "UD-LIVE-003",
    Severity.MEDIUM,
    "Few subjects should hold cluster-admin",
    "Every cluster-admin binding is a full-cluster credential; more than a few is unreviewable.",
    ("C-0035",),
)
RISKY_GRANT = _check(
    "UD-LIVE-004",
    Severity.HIGH,
    "Risky rights must not be granted to non-system subjects",
    "Reading Secrets, exec, impersonate, escalate and bind each lead to more rights than given.",
    ("C-0015", "C-0002", "C-0065"),
)
POD_PROFILE = _check(
    "UD-LIVE-005",
    Severity.HIGH,
    "Running pods must meet the environment's Pod Security level",
    "A pod already running outside the profile is exactly what admission should have refused.",
    (),
)
AUDIT_CHECKS = (NO_POLICY, NO_DEFAULT_DENY, ADMIN_BINDINGS, RISKY_GRANT, POD_PROFILE)


@dataclass(frozen=True)
class AuditOptions:
    """What the environment expects of the live cluster."""

    enforce_network_policies: bool = False
    pod_security: Level | None = Level.BASELINE
    max_cluster_admin_bindings: int = 3
    system_namespaces: frozenset[str] = SYSTEM_NAMESPACES


def _is_default_deny(policy: K8sObject) -> bool:
    spec = policy.spec
    types = {str(t) for t in as_list(spec.get("policyTypes"))} or {"Ingress"}
    selects_all = not as_map(spec.get("podSelector"))
    return selects_all and "Ingress" in types and not as_list(spec.get("ingress"))


def _network(objects: Sequence[K8sObject], options: AuditOptions) -> Iterator[Finding]:
    policies: dict[str, list[K8sObject]] = {}
    for obj in objects:
        if obj.kind == "NetworkPolicy":
            policies.setdefault(obj.namespace, []).append(obj)
    for ns in objects:
        if ns.kind != "Namespace" or ns.name in options.system_namespaces:
            continue
        mine = policies.get(ns.name, [])
        if not mine:
            yield NO_POLICY.finding(ns, "has no NetworkPolicy")
        if options.enforce_network_policies and not any(_is_default_deny(p) for p in mine):
            yield NO_DEFAULT_DENY.finding(ns, "has no default-deny ingress NetworkPolicy")


def _rbac(objects: Sequence[K8sObject], options: AuditOptions) -> Iterator[Finding]:
    roles = {(o.kind, o.namespace, o.name): o for o in objects if o.kind in ("Role", "ClusterRole")}
    admin = []
    for binding in objects:
        if binding.kind not in RBAC_BINDING_KINDS:
            continue
        ref = as_map(binding.raw.get("roleRef"))
        role_kind, role_name = str(ref.get("kind", "")), str(ref.get("name", ""))
        if role_name == "cluster-admin":
            admin.append(binding)
        role_ns = binding.namespace if role_kind == "Role" else ""
        role = roles.get((role_kind, role_ns, role_name))
        if role is None:
            continue
        rights = sorted(
            {label for verbs, res, label in RISKY for r in rules_of(role) if r.grants(verbs, res)}
        )
        people = [s for s in subjects_of(binding) if not is_system_subject(s)]
        if rights and people and binding.namespace not in options.system_namespaces:
            who = ", ".join(describe_subject(s) for s in people)
            yield RISKY_GRANT.finding(
                binding, f"{role_kind} {role_name} lets {who} {', '.join(rights)}"
            )
    if len(admin) > options.max_cluster_admin_bindings:
        names = ", ".join(sorted(str(b.ref) for b in admin))
        yield ADMIN_BINDINGS.finding(
            ObjectRef("ClusterRole", "", "cluster-admin"),
            f"{len(admin)} bindings grant cluster-admin "
            f"(more than {options.max_cluster_admin_bindings}): {names}",
        )


def _pods(objects: Sequence[K8sObject], options: AuditOptions) -> Iterator[Finding]:
    if options.pod_security is None:
        return
    for obj in objects:
        if obj.kind != "Pod" or obj.namespace in options.system_namespaces:
            continue
        phase = as_map(obj.raw.get("status")).get("phase")
        if phase not in (None, "Pending", "Running"):
            continue
        pod = pod_spec_of(obj)
        broken = violations(pod, options.pod_security) if pod else []
        if broken:
            level = options.pod_security.value
            yield POD_PROFILE.finding(obj, f"violates {level}: {'; '.join(broken)}")


def audit(objects: Sequence[K8sObject], options: AuditOptions | None = None) -> list[Finding]:
    """Every live-audit finding for `objects`, exemptions applied; static RBAC rules reused."""
    options = options or AuditOptions()
    found: list[Finding] = []
    found += _network(objects, options)
    found += _rbac(objects, options)
    found += _pods(objects, options)
    user_namespaces = [
        o for o in objects if o.kind == "Namespace" and o.name not in options.system_namespaces
    ]
    found += check_by_id("UD-K8S-036").run(user_namespaces)
    custom_roles = [
        o
        for o in objects
        if o.kind in ("Role", "ClusterRole")
        and not o.name.startswith("system:")
        and o.labels.get("kubernetes.io/bootstrapping") != "rbac-defaults"
        and o.namespace not in options.system_namespaces
    ]
    found += check_by_id("UD-K8S-030").run(custom_roles)
    return apply_exemptions(found, objects)

"""Live-audit rules over objects shaped as the API server serves them (no cluster needed)."""

from __future__ import annotations

from typing import Any

from unideploy.security.audit.rules import AuditOptions, audit
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.pss import Level

RBAC = "rbac.authorization.k8s.io/v1"


def obj(kind: str, name: str, namespace: str = "", **body: Any) -> K8sObject:
    api = {"Namespace": "v1", "Pod": "v1", "NetworkPolicy": "networking.k8s.io/v1"}.get(kind, RBAC)
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(body.pop("metadata", {}))
    return K8sObject(raw={"apiVersion": api, "kind": kind, "metadata": meta, **body})


def admin_binding(name: str, subject: str) -> K8sObject:
    return obj(
        "ClusterRoleBinding",
        name,
        roleRef={"kind": "ClusterRole", "name": "cluster-admin"},
        subjects=[{"kind": "ServiceAccount", "name": subject, "namespace": "ci"}],
    )


def ids(findings: list[Any]) -> list[tuple[str, str]]:
    return sorted((f.check_id, f.object.name) for f in findings if not f.exempted)


def test_network_policy_rules() -> None:
    labels = {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}
    objects = [
        obj("Namespace", "bare", metadata=labels),
        obj("Namespace", "allow-only", metadata=labels),
        obj("Namespace", "denied", metadata=labels),
        obj("Namespace", "kube-system"),
        obj(
            "NetworkPolicy", "web", "allow-only", spec={"podSelector": {"matchLabels": {"a": "b"}}}
        ),
        obj(
            "NetworkPolicy", "deny", "denied", spec={"podSelector": {}, "policyTypes": ["Ingress"]}
        ),
    ]
    relaxed = audit(objects, AuditOptions(enforce_network_policies=False))
    assert ids(relaxed) == [("UD-LIVE-001", "bare")]
    strict = audit(objects, AuditOptions(enforce_network_policies=True))
    assert ids(strict) == [
        ("UD-LIVE-001", "bare"),
        ("UD-LIVE-002", "allow-only"),
        ("UD-LIVE-002", "bare"),
    ]


def test_cluster_admin_bindings_over_limit() -> None:
    bindings = [admin_binding(f"b{i}", f"sa{i}") for i in range(4)]
    (finding,) = [f for f in audit(bindings) if f.check_id == "UD-LIVE-003"]
    assert finding.message.startswith("4 bindings grant cluster-admin (more than 3)")
    assert not [f for f in audit(bindings[:3]) if f.check_id == "UD-LIVE-003"]


def test_risky_rights_only_for_non_system_subjects() -> None:
    reader = obj(
        "Role",
        "secret-reader",
        "shop",
        rules=[{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}],
    )
    to_user = obj(
        "RoleBinding",
        "alice-secrets",
        "shop",
        roleRef={"kind": "Role", "name": "secret-reader"},
        subjects=[{"kind": "User", "name": "alice"}],
    )
    to_system = obj(
        "RoleBinding",
        "controller",
        "shop",
        roleRef={"kind": "Role", "name": "secret-reader"},
        subjects=[{"kind": "User", "name": "system:kube-controller-manager"}],
    )
    findings = [f for f in audit([reader, to_user, to_system]) if f.check_id == "UD-LIVE-004"]
    assert [(f.object.name, f.message) for f in findings] == [
        ("alice-secrets", "Role secret-reader lets User alice read Secrets")
    ]


def test_running_pods_against_profile_and_bootstrap_roles_ignored() -> None:
    pod = obj(
        "Pod",
        "web",
        "shop",
        spec={
            "containers": [{"name": "c", "image": "a:1", "securityContext": {"privileged": True}}]
        },
        status={"phase": "Running"},
    )
    done = obj("Pod", "job-1", "shop", spec=pod.raw["spec"], status={"phase": "Succeeded"})
    builtin = obj(
        "ClusterRole",
        "cluster-admin",
        metadata={"labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
        rules=[{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    )
    custom = obj("ClusterRole", "ops", rules=builtin.raw["rules"])
    found = audit([pod, done, builtin, custom], AuditOptions(pod_security=Level.BASELINE))
    assert ids(found) == [("UD-K8S-030", "ops"), ("UD-LIVE-005", "web")]
    assert audit([pod], AuditOptions(pod_security=None)) == []

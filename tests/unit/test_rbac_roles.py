"""The RBAC derivation's pure parts: rules from needs, CRD resources, bind/escalate grants."""

from __future__ import annotations

from unideploy.execute.phases.rbac import Need
from unideploy.execute.phases.rbac_kinds import crd_resources, rbac_grants, readiness_lists
from unideploy.service.rbac_roles import rbac_objects, rules


def test_rules_group_verbs_per_resource_and_name_without_wildcards() -> None:
    needs = [
        Need("patch", "deployments", "apps", "web", "helm:apps"),
        Need("get", "deployments", "apps", "web", "helm:apps"),
        Need("get", "namespaces", "", None, "helm:apps", name="web"),
        Need("list", "namespaces", "", None, "preflight"),
    ]
    assert rules(needs) == [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]},
        {
            "apiGroups": [""],
            "resources": ["namespaces"],
            "resourceNames": ["web"],
            "verbs": ["get"],
        },
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]},
    ]


def test_objects_hold_one_role_per_namespace_and_one_cluster_role_bound_to_the_account() -> None:
    needs = [
        Need("get", "leases", "coordination.k8s.io", "unideploy-system", "lock"),
        Need("patch", "configmaps", "", "web", "helm:apps", "web/app"),
        Need("patch", "priorityclasses", "scheduling.k8s.io", None, "helm:apps", "web/app"),
    ]
    objects = rbac_objects(needs, stack="s", environment="dev", account=("ops", "deployer"))
    kinds = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects]
    assert kinds == [
        ("Namespace", None, "ops"),
        ("Namespace", None, "unideploy-system"),
        ("Namespace", None, "web"),
        ("ServiceAccount", "ops", "deployer"),
        ("ClusterRole", None, "unideploy-s-dev"),
        ("ClusterRoleBinding", None, "unideploy-s-dev"),
        ("Role", "unideploy-system", "unideploy-s-dev"),
        ("RoleBinding", "unideploy-system", "unideploy-s-dev"),
        ("Role", "web", "unideploy-s-dev"),
        ("RoleBinding", "web", "unideploy-s-dev"),
    ]
    binding = objects[5]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "deployer", "namespace": "ops"}
    ]
    assert objects[4]["rules"] == [
        {"apiGroups": ["scheduling.k8s.io"], "resources": ["priorityclasses"], "verbs": ["patch"]}
    ]


def test_crd_resources_cover_every_version_with_the_crds_scope() -> None:
    crd = {
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "example.com",
            "names": {"kind": "Gadget", "plural": "gadgets"},
            "scope": "Cluster",
            "versions": [{"name": "v1"}, {"name": "v2"}],
        },
    }
    found = crd_resources([crd, {"kind": "ConfigMap"}])
    assert set(found) == {("example.com/v1", "Gadget"), ("example.com/v2", "Gadget")}
    assert found[("example.com/v1", "Gadget")].plural == "gadgets"
    assert found[("example.com/v1", "Gadget")].namespaced is False


def test_bind_and_escalate_only_for_rbac_objects_and_by_name() -> None:
    assert list(rbac_grants({"kind": "Role", "metadata": {"name": "r"}})) == [
        ("escalate", "roles", "r", True)
    ]
    binding = {
        "kind": "RoleBinding",
        "metadata": {"name": "b"},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
    }
    assert list(rbac_grants(binding)) == [("bind", "clusterroles", "view", True)]
    cluster = {
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "b"},
        "roleRef": {"kind": "ClusterRole", "name": "c"},
    }
    assert list(rbac_grants(cluster)) == [("bind", "clusterroles", "c", False)]
    assert list(rbac_grants({"kind": "ConfigMap", "metadata": {"name": "x"}})) == []


def test_readiness_lists_pods_for_workloads_and_replicasets_for_deployments() -> None:
    assert readiness_lists([{"kind": "ConfigMap"}]) == []
    assert readiness_lists([{"kind": "StatefulSet"}]) == [("pods", "")]
    assert readiness_lists([{"kind": "Deployment"}]) == [("pods", ""), ("replicasets", "apps")]

"""Cross-object checks: the whole set at once, RBAC through bindings, selectors, unknowns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from unideploy.cli.main import cli
from unideploy.security.manifests.gate import static_gate
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.policy import Policy, evaluate
from unideploy.security.manifests.registry import Finding, Severity, check_by_id, run_checks
from unideploy.security.manifests.scan import scan

RBAC = "rbac.authorization.k8s.io/v1"


def objs(*raws: dict[str, Any]) -> list[K8sObject]:
    return [K8sObject(raw=raw, path="test.yaml", line=1) for raw in raws]


def run(check_id: str, *raws: dict[str, Any], environment: str | None = None) -> list[Finding]:
    return run_checks(objs(*raws), [check_by_id(check_id)], environment=environment)


def workload(
    name: str, namespace: str = "shop", replicas: int = 1, **labels: str
) -> dict[str, Any]:
    template = {
        "metadata": {"labels": {"app": name, **labels}},
        "spec": {"containers": [{"name": name, "image": f"registry.example.org/{name}:1.0.0"}]},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas, "template": template},
    }


def binding(kind: str, role_kind: str, role: str, subject: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": f"bind-{role}"}
    if kind == "RoleBinding":
        meta["namespace"] = "shop"
    return {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [subject],
    }


SA = {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}


def role(kind: str, name: str, rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **extra.pop("meta", {})}
    if kind == "Role":
        meta["namespace"] = extra.pop("namespace", "shop")
    return {"apiVersion": RBAC, "kind": kind, "metadata": meta, "rules": rules, **extra}


EXEC = [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]


def test_binding_finding_names_binding_role_aggregation_and_subject() -> None:
    aggregator = role(
        "ClusterRole",
        "ops",
        [],
        aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"ops": "true"}}]},
    )
    piece = role("ClusterRole", "ops-exec", EXEC, meta={"labels": {"ops": "true"}})
    bound = binding("ClusterRoleBinding", "ClusterRole", "ops", SA)
    found = [
        f for f in run("UD-K8S-032", aggregator, piece, bound) if f.object.kind.endswith("Binding")
    ]
    assert len(found) == 1 and not found[0].unknown
    message = found[0].message
    assert found[0].object.name == "bind-ops"
    for part in ("ClusterRole ops", "aggregating ops-exec", "ServiceAccount tools/ci", "pods/exec"):
        assert part in message, message


def test_aggregation_follows_chains_and_stops_at_cycles() -> None:
    selector = {"clusterRoleSelectors": [{"matchLabels": {"ring": "a"}}]}
    first = role("ClusterRole", "a", [], aggregationRule=selector, meta={"labels": {"ring": "a"}})
    back = {"clusterRoleSelectors": [{"matchLabels": {"ring": "a"}}]}
    second = role("ClusterRole", "b", EXEC, aggregationRule=back, meta={"labels": {"ring": "a"}})
    found = run("UD-K8S-032", first, second, binding("ClusterRoleBinding", "ClusterRole", "a", SA))
    on_binding = [f for f in found if f.object.kind == "ClusterRoleBinding"]
    assert len(on_binding) == 1 and "aggregating b" in on_binding[0].message


def test_role_binding_resolves_roles_of_its_own_namespace_only() -> None:
    elsewhere = role("Role", "debug", EXEC, namespace="other")
    bound = binding("RoleBinding", "Role", "debug", SA)
    found = [f for f in run("UD-K8S-032", elsewhere, bound) if f.object.kind == "RoleBinding"]
    assert [f.unknown for f in found] == [True]
    here = role("Role", "debug", EXEC, namespace="shop")
    found = [f for f in run("UD-K8S-032", here, bound) if f.object.kind == "RoleBinding"]
    assert [f.unknown for f in found] == [False]


@pytest.mark.parametrize(
    ("subject", "judged"),
    [
        ({"kind": "Group", "name": "system:masters"}, False),
        ({"kind": "ServiceAccount", "name": "x", "namespace": "kube-system"}, False),
        ({"kind": "Group", "name": "system:authenticated"}, True),
        ({"kind": "Group", "name": "system:serviceaccounts:shop"}, True),
        ({"kind": "User", "name": "system:anonymous"}, True),
    ],
)
def test_system_subjects_are_skipped_but_broad_groups_are_not(
    subject: dict[str, Any], judged: bool
) -> None:
    found = run(
        "UD-K8S-029", binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", subject)
    )
    assert bool(found) is judged


def test_bindings_to_kubernetes_system_roles_are_not_unknown() -> None:
    bound = binding("ClusterRoleBinding", "ClusterRole", "system:auth-delegator", SA)
    assert run("UD-K8S-032", bound) == []


def test_network_policies_in_another_file_count(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(json.dumps(workload("web")))
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "shop"},
        "spec": {"podSelector": {}},
    }
    check = check_by_id("UD-K8S-023")
    assert scan([tmp_path / "app.yaml"], checks=[check]).findings[0].unknown
    (tmp_path / "policy.yaml").write_text(json.dumps(policy))
    assert scan([tmp_path], checks=[check]).findings == ()


def test_network_policy_selector_and_types() -> None:
    def policy(selector: dict[str, Any], **spec: Any) -> dict[str, Any]:
        body = {"podSelector": selector, **spec}
        meta = {"name": "p", "namespace": "shop"}
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": body,
        }

    web = workload("web", tier="front")
    assert run("UD-K8S-023", web, policy({})) == []
    assert run("UD-K8S-023", web, policy({"matchLabels": {"tier": "front"}})) == []
    expression = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]}
    assert "selects its pods" in run("UD-K8S-023", web, policy(expression))[0].message
    egress = run("UD-K8S-023", web, policy({}, policyTypes=["Egress"]))
    assert egress and not egress[0].unknown and "egress" in egress[0].message
    assert run("UD-K8S-023", web, policy({}, policyTypes=["Ingress", "Egress"])) == []


def test_priority_class_follows_the_scan_environment() -> None:
    web = workload("web", namespace="shop")
    assert run("UD-K8S-051", web) == []
    assert len(run("UD-K8S-051", web, environment="production")) == 1
    in_prod_ns = workload("web", namespace="production")
    assert len(run("UD-K8S-051", in_prod_ns)) == 1
    assert run("UD-K8S-051", in_prod_ns, environment="staging") == []


def test_gate_scans_every_release_together_with_its_environment() -> None:
    web, api = workload("web", replicas=3), workload("api", namespace="shop")
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    }
    result = static_gate([("helm/web", web), ("helm/api", api), ("helm/pdb", pdb)], "production")
    ids = {f.check_id for f in result.findings}
    assert "UD-K8S-044" not in ids  # the PDB of another release covers web
    assert "UD-K8S-051" in ids  # production: the environment reaches the checks


def test_unknown_is_reported_and_blocks_like_a_failure() -> None:
    found = run("UD-K8S-023", workload("web"))
    assert found[0].unknown and found[0].to_json()["verdict"] == "unknown"
    verdict = evaluate(found, Policy("production", Severity.MEDIUM, None))
    assert not verdict.passed


def test_literal_credentials_never_reach_any_output(tmp_path: Path) -> None:
    secret = "hunter2-Zq8xM2vR7tLp0sQe4WnY9bKc"
    app = workload("api")
    app["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "DB_PASSWORD", "value": secret},
        {"name": "TOKEN_REF", "valueFrom": {"secretKeyRef": {"name": "t", "key": "k"}}},
    ]
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop"},
        "data": {"app.ini": f"[db]\npassword = {secret}\n"},
    }
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps(app) + "\n---\n" + json.dumps(config))
    runner = CliRunner()
    for output in ("text", "json", "sarif"):
        done = runner.invoke(
            cli, ["security", "scan", "-m", str(path), "-o", output, "--fail-on", "none"]
        )
        assert done.exit_code == 0, done.output
        assert secret not in done.output and "hunter2" not in done.output
        assert "UD-K8S-041" in done.output and "UD-K8S-040" in done.output

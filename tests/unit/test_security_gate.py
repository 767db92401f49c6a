"""The static gate the deploy pipeline calls on rendered manifests."""

from __future__ import annotations

import pytest

from unideploy.errors import GateError
from unideploy.security.manifests.gate import static_gate


def deployment(privileged: bool) -> dict[str, object]:
    container = {"name": "app", "image": "app:1", "securityContext": {"privileged": privileged}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def test_gate_names_the_release_and_blocks_by_environment() -> None:
    rendered = [("helm/web", deployment(privileged=True))]
    staging = static_gate(rendered, "staging")
    assert not staging.verdict.passed
    assert {f.path for f in staging.verdict.blocking} == {"helm/web"}
    with pytest.raises(GateError, match="refused staging"):
        staging.verdict.raise_if_blocked()
    assert static_gate(rendered, "development").verdict.passed
    relaxed = static_gate(
        rendered, "staging", overrides={"failOn": "critical", "podSecurity": None}
    )
    assert relaxed.verdict.passed
    assert relaxed.to_json()["findings"]


def test_gate_passes_hardened_output_in_production() -> None:
    hardened = deployment(privileged=False)
    spec = hardened["spec"]["template"]["spec"]  # type: ignore[index]
    spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    spec["containers"][0]["securityContext"] = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    network = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "shop"},
        "spec": {"podSelector": {}},
    }
    result = static_gate([("helm/web", hardened), ("helm/web", network)], "production")
    assert result.verdict.passed, result.verdict.summary()
    assert result.verdict.reported > 0  # low findings are reported, not blocking


def test_release_objects_land_in_the_release_namespace() -> None:
    from unideploy.security.manifests.gate import release_objects

    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "r"},
    }
    web = deployment(privileged=False)
    del web["metadata"]["namespace"]  # type: ignore[attr-defined]
    pairs = release_objects("web", "shop", [web, role])
    assert [(src, o["metadata"].get("namespace")) for src, o in pairs] == [
        ("helm/web", "shop"),
        ("helm/web", None),
    ]
    assert "namespace" not in web["metadata"]  # type: ignore[operator]
    findings = static_gate(pairs, "development").findings
    assert not [f for f in findings if f.check_id == "UD-K8S-028"]

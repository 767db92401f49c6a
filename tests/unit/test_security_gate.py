"""The static gate the deploy pipeline calls on rendered manifests."""

from __future__ import annotations

import pytest

from unideploy.checks.gate import static_gate
from unideploy.errors import GateError


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

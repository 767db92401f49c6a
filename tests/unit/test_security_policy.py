"""Per-environment security policy: defaults, value layering, overrides, verdicts."""

from __future__ import annotations

import pytest

from unideploy.errors import ConfigError, GateError
from unideploy.security.manifests.objects import ObjectRef
from unideploy.security.manifests.policy import evaluate, policy_for
from unideploy.security.manifests.pss import Level
from unideploy.security.manifests.registry import Finding, Severity


def finding(check_id: str, severity: Severity, *, exempted: bool = False) -> Finding:
    return Finding(
        check_id=check_id,
        severity=severity,
        title="t",
        object=ObjectRef("Pod", "shop", "web"),
        message="m",
        exempted=exempted,
    )


HIGH = finding("UD-K8S-001", Severity.HIGH)
MEDIUM = finding("UD-K8S-002", Severity.MEDIUM)
LOW = finding("UD-K8S-004", Severity.LOW)
RESTRICTED = finding("UD-K8S-038", Severity.MEDIUM)
NO_NETPOL = finding("UD-K8S-023", Severity.MEDIUM)


@pytest.mark.parametrize(
    ("environment", "blocked"),
    [
        ("development", []),
        ("staging", [HIGH]),
        ("production", [HIGH, MEDIUM, RESTRICTED, NO_NETPOL]),
    ],
)
def test_environment_defaults(environment: str, blocked: list[Finding]) -> None:
    verdict = evaluate([HIGH, MEDIUM, LOW, RESTRICTED, NO_NETPOL], policy_for(environment))
    assert list(verdict.blocking) == blocked
    assert verdict.passed is (not blocked)
    assert verdict.reported == 5


def test_production_enforces_restricted_even_when_threshold_is_raised() -> None:
    policy = policy_for("production", overrides={"failOn": "critical"})
    assert policy.pod_security is Level.RESTRICTED
    restricted_low = finding("UD-K8S-038", Severity.LOW)
    assert evaluate([restricted_low, HIGH], policy).blocking == (restricted_low,)


def test_values_then_overrides_layer_in_order() -> None:
    values = {"failOn": "low", "enforceNetworkPolicies": True}
    policy = policy_for("development", values, {"failOn": "high", "ignore": ["UD-K8S-001"]})
    assert policy.fail_on is Severity.HIGH
    assert policy.ignore == {"UD-K8S-001"}
    assert evaluate([HIGH, MEDIUM, NO_NETPOL], policy).blocking == (NO_NETPOL,)


def test_report_only_override_and_exempted_findings() -> None:
    assert evaluate([HIGH], policy_for("staging", overrides={"failOn": "none"})).passed
    exempt = finding("UD-K8S-001", Severity.CRITICAL, exempted=True)
    verdict = evaluate([exempt], policy_for("production"))
    assert verdict.passed
    assert verdict.reported == 0


def test_unknown_environment_starts_from_staging() -> None:
    assert policy_for("qa").fail_on is Severity.HIGH


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"failOn": "severe"}, "global.security.failOn 'severe' is not a severity"),
        ({"podSecurity": "strict"}, "is not a Pod Security level"),
        ({"ignore": 3}, "must be a list of check IDs"),
    ],
)
def test_bad_values_are_config_errors(values: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        policy_for("staging", values)
    assert needle in err.value.message
    assert err.value.hint


def test_blocked_verdict_raises_gate_error_naming_checks() -> None:
    verdict = evaluate([HIGH, HIGH, MEDIUM], policy_for("production"))
    with pytest.raises(GateError) as err:
        verdict.raise_if_blocked()
    assert "refused production: 3 blocking finding(s) (UD-K8S-001 x2, UD-K8S-002)" in str(err.value)
    evaluate([LOW], policy_for("production")).raise_if_blocked()


def test_stack_exemptions_match_by_pattern_and_need_a_reason() -> None:
    overrides = {
        "exempt": [
            {
                "check": "UD-K8S-031",
                "kind": "ClusterRole",
                "name": "cert-manager*",
                "reason": "the controller issues certificates into Secrets",
            }
        ]
    }
    policy = policy_for("production", overrides=overrides)
    mine = Finding(
        "UD-K8S-031",
        Severity.HIGH,
        "t",
        ObjectRef("ClusterRole", "", "cert-manager-controller"),
        "m",
    )
    other = Finding("UD-K8S-031", Severity.HIGH, "t", ObjectRef("ClusterRole", "", "grafana"), "m")
    exempted, kept = policy.exempt([mine, other])
    assert exempted.exempted is True
    assert exempted.exemption_reason == "the controller issues certificates into Secrets (stack)"
    assert kept.exempted is False
    assert evaluate([exempted, kept], policy).blocking == (kept,)
    assert policy.to_json()["exemptions"][0]["name"] == "cert-manager*"
    with pytest.raises(ConfigError, match=r"security.exempt\[0\] needs a check and a reason"):
        policy_for("production", overrides={"exempt": [{"check": "UD-K8S-031"}]})
    with pytest.raises(ConfigError, match="unknown keys: nmae"):
        policy_for("production", overrides={"exempt": [{"check": "X", "reason": "r", "nmae": "a"}]})

"""Security compliance tests: the security checks of `unideploy.security` run as one test.

Over the stack's rendered releases (the deploy gate's static checks), manifest files, or the live
cluster (the audit); the environment's security policy decides what fails unless the case sets
`failOn`. Findings travel in the verdict's details, in the checks' own JSON shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from unideploy.config.tests_cases import SecurityTest
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.policy import Policy, evaluate, policy_for
from unideploy.security.manifests.registry import Finding, Severity
from unideploy.tests_runtime.base import TestEnv, Verdict


def policy_of(case: SecurityTest, env: TestEnv) -> Policy:
    """The environment's policy, with the case's `failOn` over it."""
    values, overrides = env.security
    policy = policy_for(env.environment, values, overrides)
    if case.fail_on is None:
        return policy
    fail_on = None if case.fail_on == "none" else Severity.parse(case.fail_on)
    return Policy(
        policy.environment, fail_on, policy.pod_security, policy.always_block, policy.ignore
    )


def _findings(
    case: SecurityTest, env: TestEnv, policy: Policy
) -> tuple[list[Finding], int, list[str]]:
    """Findings, how many objects were checked, and inputs that could not be read."""
    if case.scope == "releases":
        from unideploy.security.manifests.scan import scan_objects

        if env.render is None:
            raise RuntimeError("rendering releases is not available in this run")
        manifests = env.render(case.releases)
        objects = [K8sObject(raw=dict(obj), path=source) for source, obj in manifests if obj]
        return list(scan_objects(objects)), len(objects), []
    if case.scope == "manifests":
        from unideploy.security.manifests.scan import scan

        result = scan([env.path(p) for p in case.paths])
        return list(result.findings), result.objects, [str(e) for e in result.errors]
    from unideploy.security.audit.fetch import fetch_audit_objects
    from unideploy.security.audit.rules import AuditOptions, audit
    from unideploy.security.manifests.policy import NETWORK_POLICY_CHECK

    live = fetch_audit_objects(env.client())
    options = AuditOptions(NETWORK_POLICY_CHECK in policy.always_block, policy.pod_security)
    return audit(live, options), len(live), []


def security_test(case: SecurityTest, env: TestEnv) -> Verdict:
    """Run the checks and judge their findings with the policy."""
    policy = policy_of(case, env)
    found, objects, errors = _findings(case, env, policy)
    if case.checks:
        found = [f for f in found if f.check_id in case.checks]
    verdict = evaluate(found, policy)
    details: dict[str, Any] = {
        "scope": case.scope,
        "objects": objects,
        "policy": policy.to_json(),
        "reported": verdict.reported,
        "blocking": len(verdict.blocking),
        "findings": [_finding(f, policy) for f in _ordered(found)],
    }
    if errors:
        details["input_errors"] = errors
        return Verdict(False, f"{len(errors)} input(s) could not be checked: {errors[0]}", details)
    if not verdict.passed:
        counts = Counter(f.check_id for f in verdict.blocking).most_common(3)
        listed = ", ".join(f"{cid} x{n}" if n > 1 else cid for cid, n in counts)
        return Verdict(
            False,
            f"{len(verdict.blocking)} blocking finding(s) in {objects} object(s): {listed}",
            details,
        )
    return Verdict(
        True,
        f"{objects} object(s) checked, {verdict.reported} finding(s) reported, none blocking "
        f"(fail on {policy.fail_on.value if policy.fail_on else 'nothing'})",
        details,
    )


def _ordered(found: Sequence[Finding]) -> list[Finding]:
    return sorted(found, key=lambda f: (-f.severity.rank, f.check_id, str(f.object)))


def _finding(finding: Finding, policy: Policy) -> dict[str, Any]:
    return {**finding.to_json(), "blocking": policy.blocks(finding)}

"""UD-K8S-033 roles that impersonate, escalate or bind (kubescape C-0065)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.checks.helpers import rules_of
from unideploy.checks.objects import RBAC_ROLE_KINDS, K8sObject
from unideploy.checks.registry import Check, Finding, Severity

VERBS = set(["impersonate", "escalate", "bind"])
RESOURCES = ["*"]

CHECK = Check(
    id="UD-K8S-033",
    severity=Severity.HIGH,
    title="Roles should not impersonate, escalate or bind",
    rationale="Whoever holds this right gets more rights than it was given.",
    references=("C-0065",),
    applies_to=RBAC_ROLE_KINDS,
)


@CHECK.objects
def risky(obj: K8sObject) -> Iterator[Finding]:
    if obj.name.startswith("system:"):
        return
    for index, rule in enumerate(rules_of(obj)):
        granted = sorted(VERBS & rule.verbs) or (sorted(VERBS) if "*" in rule.verbs else [])
        for resource in RESOURCES:
            if granted and (resource == "*" or rule.grants(VERBS, resource)):
                target = "" if resource == "*" else f" on {resource}"
                yield CHECK.finding(obj, f"rule {index} grants {'/'.join(granted)}{target}")
                break

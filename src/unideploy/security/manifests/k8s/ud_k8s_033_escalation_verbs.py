"""UD-K8S-033 roles that impersonate, escalate or bind (kubescape C-0065)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.helpers import risky_grants
from unideploy.security.manifests.objects import RBAC_ROLE_KINDS, K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

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
    for message in risky_grants(obj, VERBS, RESOURCES):
        yield CHECK.finding(obj, message)

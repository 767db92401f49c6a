"""UD-K8S-030 wildcards in RBAC rules (checkov CKV_K8S_49, kubescape C-0187)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.helpers import rules_of
from unideploy.security.manifests.objects import RBAC_ROLE_KINDS, K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-030",
    severity=Severity.HIGH,
    title="Roles must not use wildcards in verbs, resources or API groups",
    rationale="A wildcard grants rights to resources and verbs that do not exist yet.",
    references=("CKV_K8S_49", "C-0187"),
    applies_to=RBAC_ROLE_KINDS,
)


@CHECK.objects
def wildcards(obj: K8sObject) -> Iterator[Finding]:
    for index, rule in enumerate(rules_of(obj)):
        fields = [
            name
            for name, values in (
                ("verbs", rule.verbs),
                ("resources", rule.resources),
                ("apiGroups", rule.api_groups),
            )
            if "*" in values
        ]
        if fields:
            yield CHECK.finding(obj, f"rule {index} uses '*' in {', '.join(fields)}")

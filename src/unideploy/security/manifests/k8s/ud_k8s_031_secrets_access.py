"""UD-K8S-031 roles that read Secrets (kubescape C-0015)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.helpers import risky_grants
from unideploy.security.manifests.objects import RBAC_ROLE_KINDS, K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

VERBS = set(["get", "list", "watch"])
RESOURCES = ["secrets"]

CHECK = Check(
    id="UD-K8S-031",
    severity=Severity.HIGH,
    title="Roles should not read Secrets",
    rationale="Whoever holds this right gets every credential in its scope.",
    references=("C-0015",),
    applies_to=RBAC_ROLE_KINDS,
)


@CHECK.objects
def risky(obj: K8sObject) -> Iterator[Finding]:
    for message in risky_grants(obj, VERBS, RESOURCES):
        yield CHECK.finding(obj, message)

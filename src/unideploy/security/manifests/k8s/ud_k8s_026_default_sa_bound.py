"""UD-K8S-026 roles bound to a default ServiceAccount (checkov CKV_K8S_42, kubescape C-0189)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.helpers import describe_subject, subjects_of
from unideploy.security.manifests.objects import RBAC_BINDING_KINDS, K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-026",
    severity=Severity.LOW,
    title="Roles should not be bound to a default ServiceAccount",
    rationale="Rights given to `default` reach every pod in the namespace that names no account.",
    references=("CKV_K8S_42", "C-0189"),
    applies_to=RBAC_BINDING_KINDS,
)


@CHECK.objects
def bound_default(obj: K8sObject) -> Iterator[Finding]:
    for subject in subjects_of(obj):
        if subject.get("kind") == "ServiceAccount" and subject.get("name") == "default":
            yield CHECK.finding(obj, f"binds {describe_subject(subject)}")

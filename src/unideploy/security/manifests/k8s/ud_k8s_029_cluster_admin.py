"""UD-K8S-029 cluster-admin granted to a non-system subject (kubescape C-0035)."""

from __future__ import annotations

from collections.abc import Iterator

from unideploy.security.manifests.helpers import describe_subject, is_system_subject, subjects_of
from unideploy.security.manifests.objects import RBAC_BINDING_KINDS, K8sObject, as_map
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-029",
    severity=Severity.HIGH,
    title="cluster-admin must not be granted to workloads or people by manifest",
    rationale="cluster-admin is every right on every object; a leaked holder owns the cluster.",
    references=("C-0035",),
    applies_to=RBAC_BINDING_KINDS,
)


@CHECK.objects
def cluster_admin(obj: K8sObject) -> Iterator[Finding]:
    if as_map(obj.raw.get("roleRef")).get("name") != "cluster-admin":
        return
    for subject in subjects_of(obj):
        if not is_system_subject(subject):
            yield CHECK.finding(obj, f"grants cluster-admin to {describe_subject(subject)}")

"""UD-K8S-023 namespace with workloads, no NetworkPolicy (checkov CKV2_K8S_6, kubescape C-0260)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.checks.objects import POD_BEARING_KINDS, K8sObject, ObjectRef, namespace_of
from unideploy.checks.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-023",
    severity=Severity.MEDIUM,
    title="Every namespace with workloads needs a NetworkPolicy",
    rationale=(
        "Without any NetworkPolicy every pod accepts traffic from every other pod in the cluster."
    ),
    references=("CKV2_K8S_6", "C-0260"),
    applies_to=frozenset(),
)


@CHECK.collection
def namespaces_without_policy(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    covered = {namespace_of(o) for o in objects if o.kind == "NetworkPolicy"}
    first_workload: dict[str, K8sObject] = {}
    for obj in objects:
        if obj.kind in POD_BEARING_KINDS:
            first_workload.setdefault(namespace_of(obj), obj)
    namespaces = {o.name: o for o in objects if o.kind == "Namespace"}
    for ns, workload in sorted(first_workload.items()):
        if ns in covered:
            continue
        where = namespaces.get(ns, workload)
        yield CHECK.finding(
            ObjectRef("Namespace", "", ns),
            f"namespace {ns} runs workloads ({workload.ref} first) but has no NetworkPolicy",
            at=where,
        )

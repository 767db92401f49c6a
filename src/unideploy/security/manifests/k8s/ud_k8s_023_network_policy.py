"""UD-K8S-023 workloads no NetworkPolicy selects (checkov CKV2_K8S_6, kubescape C-0260).

Cross-object: a workload passes when a NetworkPolicy of its namespace selects its pod labels
(an empty podSelector selects every pod) and isolates ingress (policyTypes lists Ingress, or is
unset). A namespace with no NetworkPolicy in the scanned set is "unknown": its policies may be
applied by another tool.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.objects import K8sObject, as_list, as_map, namespace_of
from unideploy.security.manifests.objectset import ObjectSet
from unideploy.security.manifests.registry import Check, Finding, Severity
from unideploy.security.manifests.selectors import selects

__all__ = ["CHECK", "policy_types", "selects"]

CHECK = Check(
    id="UD-K8S-023",
    severity=Severity.MEDIUM,
    title="Every workload should be selected by a NetworkPolicy",
    rationale=(
        "A pod no NetworkPolicy selects accepts traffic from every other pod in the cluster."
    ),
    references=("CKV2_K8S_6", "C-0260"),
    applies_to=frozenset(),
)


def policy_types(policy: K8sObject) -> set[str]:
    """The directions a policy isolates (Ingress when unset; Egress too when it has rules)."""
    written = {str(t) for t in as_list(policy.spec.get("policyTypes"))}
    if written:
        return written
    return {"Ingress", "Egress"} if "egress" in policy.spec else {"Ingress"}


@CHECK.collection
def unselected(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    world = ObjectSet.of(objects)
    for obj, labels in world.workloads:
        namespace = namespace_of(obj)
        policies = world.in_namespace("NetworkPolicy", namespace)
        if not policies:
            yield CHECK.finding(
                obj,
                f"the scanned set holds no NetworkPolicy for namespace {namespace}; "
                "policies applied by another tool cannot be seen",
                unknown=True,
            )
            continue
        chosen = [p for p in policies if selects(as_map(p.spec.get("podSelector")), labels)]
        if any("Ingress" in policy_types(p) for p in chosen):
            continue
        if chosen:
            names = ", ".join(sorted(p.name for p in chosen))
            message = f"only egress policies select its pods ({names}); ingress stays open"
        else:
            message = f"no NetworkPolicy in namespace {namespace} selects its pods"
        yield CHECK.finding(obj, message)

"""UD-K8S-046 HorizontalPodAutoscalers whose minReplicas is below a PDB's minAvailable.

Scaled down to `minReplicas`, the workload has fewer pods than the budget demands: the budget can
never be met and no pod may be evicted. An HPA whose target is not in the scanned set is "unknown".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.availability import budgets_of
from unideploy.security.manifests.objects import K8sObject, as_map, namespace_of
from unideploy.security.manifests.objectset import ObjectSet, count_of
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-046",
    severity=Severity.LOW,
    title="HPA minReplicas must not be below the PodDisruptionBudget's minAvailable",
    rationale="At minimum scale the budget cannot be met, so every eviction is refused.",
    applies_to=frozenset(),
)


@CHECK.collection
def below_budget(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    world = ObjectSet.of(objects)
    for hpa in world.of_kind("HorizontalPodAutoscaler"):
        target = as_map(hpa.spec.get("scaleTargetRef"))
        kind, name = str(target.get("kind", "")), str(target.get("name", ""))
        workload = world.named(kind, namespace_of(hpa), name)
        if workload is None:
            yield CHECK.finding(
                hpa,
                f"scales {kind} {name}, which is not in the scanned set; cannot compare with "
                "its PodDisruptionBudgets",
                unknown=True,
            )
            continue
        floor = count_of(hpa.spec.get("minReplicas"))
        floor = 1 if floor is None else floor
        for pdb in budgets_of(workload, world):
            wanted = count_of(pdb.spec.get("minAvailable"))
            if wanted is not None and floor < wanted:
                yield CHECK.finding(
                    hpa,
                    f"minReplicas {floor} is below minAvailable {wanted} of "
                    f"PodDisruptionBudget {pdb.name} (for {kind} {name})",
                )

"""UD-K8S-044 replicated workloads no PodDisruptionBudget covers.

A Deployment or StatefulSet keeping more than one pod (`replicas`, or an HPA's `minReplicas`)
should have a PDB selecting its pods, or a node drain may evict all of them at once. A namespace
with no PDB in the scanned set is "unknown": its budgets may be applied by another tool.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.availability import budgets_of
from unideploy.security.manifests.objects import K8sObject, namespace_of
from unideploy.security.manifests.objectset import ObjectSet, replicas_of
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-044",
    severity=Severity.LOW,
    title="Workloads with more than one replica should have a PodDisruptionBudget",
    rationale="Without a budget a node drain or cluster upgrade may take every replica at once.",
    applies_to=frozenset(),
)


@CHECK.collection
def unbudgeted(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    world = ObjectSet.of(objects)
    for obj in world.of_kind("Deployment", "StatefulSet"):
        pods, source = replicas_of(obj, world)
        if pods < 2 or budgets_of(obj, world):
            continue
        namespace = namespace_of(obj)
        if not world.in_namespace("PodDisruptionBudget", namespace):
            yield CHECK.finding(
                obj,
                f"{source} {pods} and the scanned set holds no PodDisruptionBudget for namespace "
                f"{namespace}; budgets applied by another tool cannot be seen",
                unknown=True,
            )
            continue
        yield CHECK.finding(obj, f"{source} {pods} and no PodDisruptionBudget selects its pods")

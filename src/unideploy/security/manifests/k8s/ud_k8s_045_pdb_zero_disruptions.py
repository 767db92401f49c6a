"""UD-K8S-045 PodDisruptionBudgets that allow no voluntary disruption at all.

`maxUnavailable: 0`, `minAvailable: 100%`, or a `minAvailable` count at or above the pods of the
workloads it selects (HPA `minReplicas` where one scales them) blocks every drain and upgrade.
A count-based budget selecting no workload of the set is "unknown".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.availability import covered_workloads, min_available, pods_of
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.objectset import ObjectSet
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-045",
    severity=Severity.LOW,
    title="PodDisruptionBudgets must allow at least one disruption",
    rationale="A budget that never allows an eviction blocks node drains and cluster upgrades.",
    applies_to=frozenset(),
)


def _zero_always(pdb: K8sObject) -> str:
    spec = pdb.spec
    if "maxUnavailable" in spec and min_available(pdb, 100) == 100:
        return f"maxUnavailable {spec.get('maxUnavailable')} lets no pod be evicted"
    if "minAvailable" in spec and str(spec.get("minAvailable")).strip() == "100%":
        return "minAvailable 100% lets no pod be evicted"
    return ""


@CHECK.collection
def zero_disruptions(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    world = ObjectSet.of(objects)
    for pdb in world.of_kind("PodDisruptionBudget"):
        always = _zero_always(pdb)
        if always:
            yield CHECK.finding(pdb, always)
            continue
        if "minAvailable" not in pdb.spec or str(pdb.spec["minAvailable"]).endswith("%"):
            continue
        workloads = covered_workloads(pdb, world)
        wanted = pdb.spec.get("minAvailable")
        if not workloads:
            yield CHECK.finding(
                pdb,
                f"minAvailable {wanted} but it selects no workload of the scanned set; "
                "cannot tell how many pods it will cover",
                unknown=True,
            )
            continue
        pods = pods_of(workloads, world)
        keep = min_available(pdb, pods)
        if keep is not None and keep >= pods:
            names = ", ".join(f"{w.kind} {w.name}" for w in workloads)
            yield CHECK.finding(
                pdb, f"minAvailable {wanted} of {pods} pod(s) ({names}) lets no pod be evicted"
            )

"""Availability facts across objects: which PodDisruptionBudgets cover which workloads.

Shared by the disruption checks (UD-K8S-044 to 047). A PDB covers a workload of its namespace
when its `selector` matches the workload's pod labels (an empty selector matches every pod; a
missing one matches none). The high-availability marker is documented here.
"""

from __future__ import annotations

import math

from unideploy.security.manifests.objects import K8sObject, as_map, namespace_of
from unideploy.security.manifests.objectset import (
    SCALABLE_KINDS,
    ObjectSet,
    count_of,
    pod_labels,
    replicas_of,
)
from unideploy.security.manifests.selectors import selects

# Mark a workload highly available with this annotation (or label) set to "true"; UD-K8S-047
# then asks for at least two replicas.
HA_MARKER = "unideploy.io/highly-available"
TRUE = frozenset({"true", "yes", "1"})


def highly_available(obj: K8sObject) -> bool:
    """True when the workload carries the HA marker as an annotation or a label."""
    value = obj.annotations.get(HA_MARKER) or obj.labels.get(HA_MARKER) or ""
    return value.strip().lower() in TRUE


def covers(pdb: K8sObject, workload: K8sObject) -> bool:
    """True when `pdb` selects the pods of `workload` (same namespace)."""
    if namespace_of(pdb) != namespace_of(workload) or "selector" not in pdb.spec:
        return False
    selector = pdb.spec.get("selector")
    return selector is not None and selects(as_map(selector), pod_labels(workload))


def budgets_of(workload: K8sObject, world: ObjectSet) -> list[K8sObject]:
    """The PDBs of the set covering `workload`."""
    pdbs = world.in_namespace("PodDisruptionBudget", namespace_of(workload))
    return [pdb for pdb in pdbs if covers(pdb, workload)]


def covered_workloads(pdb: K8sObject, world: ObjectSet) -> list[K8sObject]:
    """The scalable workloads of the set whose pods `pdb` selects."""
    namespace = namespace_of(pdb)
    return [
        obj
        for kind in sorted(SCALABLE_KINDS)
        for obj in world.in_namespace(kind, namespace)
        if covers(pdb, obj)
    ]


def min_available(pdb: K8sObject, pods: int) -> int | None:
    """How many of `pods` the PDB keeps up (percentages rounded up, as the controller does)."""
    spec = pdb.spec
    if "minAvailable" in spec:
        return _resolve(spec.get("minAvailable"), pods, round_up=True)
    if "maxUnavailable" in spec:
        unavailable = _resolve(spec.get("maxUnavailable"), pods, round_up=True)
        return None if unavailable is None else max(pods - unavailable, 0)
    return None


def _resolve(value: object, pods: int, *, round_up: bool) -> int | None:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            percent = float(value.strip()[:-1])
        except ValueError:
            return None
        share = percent * pods / 100
        return math.ceil(share) if round_up else math.floor(share)
    return count_of(value)


def pods_of(workloads: list[K8sObject], world: ObjectSet) -> int:
    """The floor of pods the workloads keep together (HPA minReplicas where one targets them)."""
    return sum(replicas_of(obj, world)[0] for obj in workloads)

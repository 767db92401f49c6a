"""UD-K8S-047 workloads marked highly available that run a single replica.

The marker is the annotation (or label) `unideploy.io/highly-available: "true"` on the
Deployment, StatefulSet or ReplicaSet. Marked, it must keep at least two pods: `replicas`, or the
`minReplicas` of an HPA scaling it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.availability import HA_MARKER, highly_available
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.objectset import ObjectSet, replicas_of
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-047",
    severity=Severity.MEDIUM,
    title="Workloads marked highly available need at least two replicas",
    rationale="One replica is one point of failure, whatever the workload claims to be.",
    applies_to=frozenset(),
)


@CHECK.collection
def single(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    world = ObjectSet.of(objects)
    for obj in world.of_kind("Deployment", "StatefulSet", "ReplicaSet"):
        if not highly_available(obj):
            continue
        pods, source = replicas_of(obj, world)
        if pods < 2:
            yield CHECK.finding(obj, f"is marked {HA_MARKER} but {source} is {pods}")

"""UD-K8S-051 long-running production workloads without a priorityClassName.

Production is the scan's environment (`-e production`, the deploy gate's environment); without
one, a workload whose label `unideploy.io/environment` or whose namespace is named production
(`prod`, `production`, `prod-…`, `production-…`). Without a priority class, production pods are
preempted as readily as anything else when the cluster runs short.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.objects import K8sObject, namespace_of, pod_spec_of
from unideploy.security.manifests.objectset import ObjectSet
from unideploy.security.manifests.registry import Check, Finding, Severity

ENVIRONMENT_LABEL = "unideploy.io/environment"

CHECK = Check(
    id="UD-K8S-051",
    severity=Severity.LOW,
    title="Production workloads should set a priorityClassName",
    rationale="Without a priority class, production pods are preempted like any batch job.",
    applies_to=frozenset(),
)


def production(name: str | None) -> bool:
    """True for `prod`, `production` and names starting `prod-` / `production-`."""
    text = (name or "").strip().lower()
    return text in ("prod", "production") or text.startswith(("prod-", "production-"))


def _is_production(obj: K8sObject, world: ObjectSet) -> bool:
    if world.environment is not None:
        return production(world.environment)
    marked = obj.labels.get(ENVIRONMENT_LABEL) or obj.annotations.get(ENVIRONMENT_LABEL)
    return production(marked) if marked else production(namespace_of(obj))


@CHECK.collection
def priority(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    world = ObjectSet.of(objects)
    for obj in world.of_kind("Deployment", "StatefulSet", "DaemonSet"):
        pod = pod_spec_of(obj)
        if pod is None or pod.spec.get("priorityClassName") or not _is_production(obj, world):
            continue
        yield CHECK.finding(obj, "runs in production without a priorityClassName")

"""UD-K8S-048 naked Pods: no controller recreates them (kubescape C-0073).

A Pod without ownerReferences is gone for good when its node fails or is drained. Helm hook Pods
(tests, one-off jobs run by Helm) are meant to be short-lived and are not judged.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-048",
    severity=Severity.LOW,
    title="Pods should be run by a controller (Deployment, StatefulSet, Job…)",
    rationale="A naked Pod is not rescheduled when its node fails, drains or is upgraded.",
    references=("C-0073",),
    applies_to=frozenset({"Pod"}),
)


@CHECK.objects
def naked(obj: K8sObject) -> Finding | None:
    if obj.metadata.get("ownerReferences") or "helm.sh/hook" in obj.annotations:
        return None
    return CHECK.finding(obj, "is a bare Pod; run it from a Deployment, StatefulSet or Job")

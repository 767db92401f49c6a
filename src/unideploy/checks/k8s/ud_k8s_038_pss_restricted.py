"""UD-K8S-038 Pod Security Standards restricted profile, evaluated as a whole per pod.

Severity rises to high when the pod's namespace (in the same scan) enforces restricted or
stricter by label, because the API server would refuse the pod.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.checks.objects import K8sObject, namespace_of, pod_spec_of
from unideploy.checks.pss import PSS_LABEL, Level, violations
from unideploy.checks.registry import Check, Finding, Severity

LEVEL = Level.RESTRICTED
ENFORCING = {"baseline": {"baseline", "restricted"}, "restricted": {"restricted"}}["restricted"]

CHECK = Check(
    id="UD-K8S-038",
    severity=Severity.MEDIUM,
    title="Pods should meet the Pod Security Standards restricted profile",
    rationale="The restricted profile is current pod hardening practice; production enforces it.",
    references=(),
    applies_to=frozenset(),
)


@CHECK.collection
def profile(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    enforced = {
        o.name for o in objects if o.kind == "Namespace" and o.labels.get(PSS_LABEL) in ENFORCING
    }
    for obj in objects:
        pod = pod_spec_of(obj)
        if pod is None:
            continue
        broken = violations(pod, LEVEL)
        if not broken:
            continue
        namespace = namespace_of(obj)
        if namespace in enforced:
            note = f"; namespace {namespace} enforces it, so admission will refuse this pod"
            yield CHECK.finding(
                obj, f"violates restricted: {'; '.join(broken)}{note}", severity=Severity.HIGH
            )
        else:
            yield CHECK.finding(obj, f"violates restricted: {'; '.join(broken)}")

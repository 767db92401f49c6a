"""UD-K8S-038 Pod Security Standards restricted profile, evaluated as a whole per pod.

Severity rises to high when the pod's namespace (in the same scan) enforces restricted or
stricter by label, because the API server would refuse the pod.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.pss import Level, profile_violations
from unideploy.security.manifests.registry import Check, Finding, Severity

LEVEL = Level.RESTRICTED

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
    for found in profile_violations(objects, LEVEL):
        yield CHECK.finding(
            found.obj, found.message, severity=Severity.HIGH if found.enforced else None
        )

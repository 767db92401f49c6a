"""UD-K8S-037 Pod Security Standards baseline profile, evaluated as a whole per pod.

Severity rises to high when the pod's namespace (in the same scan) enforces baseline or
stricter by label, because the API server would refuse the pod.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.pss import Level, profile_violations
from unideploy.security.manifests.registry import Check, Finding, Severity

LEVEL = Level.BASELINE

CHECK = Check(
    id="UD-K8S-037",
    severity=Severity.HIGH,
    title="Pods should meet the Pod Security Standards baseline profile",
    rationale=(
        "The baseline profile blocks the known privilege escalations; every ordinary workload "
        "meets it."
    ),
    references=(),
    applies_to=frozenset(),
)


@CHECK.collection
def profile(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    for found in profile_violations(objects, LEVEL):
        yield CHECK.finding(
            found.obj, found.message, severity=Severity.HIGH if found.enforced else None
        )

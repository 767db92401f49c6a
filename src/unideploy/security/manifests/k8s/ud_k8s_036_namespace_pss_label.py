"""UD-K8S-036 namespaces without a Pod Security admission label."""

from __future__ import annotations

from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.pss import PSS_LABEL, Level
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-036",
    severity=Severity.LOW,
    title="Namespaces should set a Pod Security enforce label",
    rationale=(
        "Without the label the API server admits any pod, however privileged, into the namespace."
    ),
    references=(),
    applies_to=frozenset({"Namespace"}),
)


@CHECK.objects
def pss_label(obj: K8sObject) -> Finding | None:
    value = obj.labels.get(PSS_LABEL)
    if value is None:
        return CHECK.finding(obj, f"has no {PSS_LABEL} label")
    if value not in {level.value for level in Level}:
        return CHECK.finding(obj, f"{PSS_LABEL} is {value!r}, not a Pod Security level")
    return None

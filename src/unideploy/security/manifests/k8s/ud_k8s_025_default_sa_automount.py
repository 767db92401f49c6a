"""UD-K8S-025 the default ServiceAccount mounts its token (checkov CKV_K8S_41, kubescape C-0189)."""

from __future__ import annotations

from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-025",
    severity=Severity.LOW,
    title="The default ServiceAccount should not automount its token",
    rationale=(
        "Every pod that names no account gets the default one; its token should not ride along."
    ),
    references=("CKV_K8S_41", "C-0189"),
    applies_to=frozenset({"ServiceAccount"}),
)


@CHECK.objects
def default_sa(obj: K8sObject) -> Finding | None:
    if obj.name == "default" and obj.raw.get("automountServiceAccountToken") is not False:
        return CHECK.finding(
            obj, "the default ServiceAccount does not set automountServiceAccountToken: false"
        )
    return None

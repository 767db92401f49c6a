"""UD-K8S-028 workloads in the default namespace (checkov CKV_K8S_21, kubescape C-0212)."""

from __future__ import annotations

from unideploy.security.manifests.objects import POD_BEARING_KINDS, K8sObject
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-028",
    severity=Severity.LOW,
    title="Objects should not live in the default namespace",
    rationale="`default` has no boundary: its policies, quotas and rights are shared by accident.",
    references=("CKV_K8S_21", "C-0212"),
    applies_to=POD_BEARING_KINDS
    | {"Service", "Secret", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "Ingress"},
)


@CHECK.objects
def default_namespace(obj: K8sObject) -> Finding | None:
    if obj.namespace == "default":
        return CHECK.finding(obj, "is in the default namespace")
    if not obj.namespace:
        return CHECK.finding(
            obj, "names no namespace, so it lands in whatever is current (often default)"
        )
    return None

"""UD-K8S-032 roles that exec or attach into pods (kubescape C-0002).

The role itself is flagged, and so is every binding granting it (resolved through aggregated
ClusterRoles and the Kubernetes defaults such as `edit`), naming role and subjects.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import RBAC_ROLE_KINDS
from unideploy.security.manifests.rbac import grant_check
from unideploy.security.manifests.registry import Check, Severity

VERBS = set(["create", "get"])
RESOURCES = ["pods/exec", "pods/attach"]
WHAT = "pods/exec or pods/attach"

CHECK = Check(
    id="UD-K8S-032",
    severity=Severity.HIGH,
    title="Roles should not exec or attach into pods",
    rationale="Whoever holds this right gets a shell in any pod, with that pod's tokens and data.",
    references=("C-0002",),
    applies_to=RBAC_ROLE_KINDS,
)


grant_check(CHECK, VERBS, RESOURCES, WHAT)

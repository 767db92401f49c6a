"""UD-K8S-031 roles that read Secrets (kubescape C-0015).

The role itself is flagged, and so is every binding granting it (resolved through aggregated
ClusterRoles and the Kubernetes defaults such as `edit`), naming role and subjects.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import RBAC_ROLE_KINDS
from unideploy.security.manifests.rbac import grant_check
from unideploy.security.manifests.registry import Check, Severity

VERBS = set(["get", "list", "watch"])
RESOURCES = ["secrets"]
WHAT = "read access to Secrets"

CHECK = Check(
    id="UD-K8S-031",
    severity=Severity.HIGH,
    title="Roles should not read Secrets",
    rationale="Whoever holds this right gets every credential in its scope.",
    references=("C-0015",),
    applies_to=RBAC_ROLE_KINDS,
)


grant_check(CHECK, VERBS, RESOURCES, WHAT)

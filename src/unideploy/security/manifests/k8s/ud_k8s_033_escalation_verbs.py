"""UD-K8S-033 roles that impersonate, escalate or bind (kubescape C-0065).

The role itself is flagged, and so is every binding granting it (resolved through aggregated
ClusterRoles and the Kubernetes defaults such as `edit`), naming role and subjects.
"""

from __future__ import annotations

from unideploy.security.manifests.objects import RBAC_ROLE_KINDS
from unideploy.security.manifests.rbac import grant_check
from unideploy.security.manifests.registry import Check, Severity

VERBS = set(["impersonate", "escalate", "bind"])
RESOURCES = ["*"]
WHAT = "impersonate, escalate or bind"

CHECK = Check(
    id="UD-K8S-033",
    severity=Severity.HIGH,
    title="Roles should not impersonate, escalate or bind",
    rationale="Whoever holds this right gets more rights than it was given.",
    references=("C-0065",),
    applies_to=RBAC_ROLE_KINDS,
)


grant_check(CHECK, VERBS, RESOURCES, WHAT)

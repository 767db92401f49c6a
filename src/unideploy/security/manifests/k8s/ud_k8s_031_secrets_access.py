"""UD-K8S-031 roles that read Secrets (kubescape C-0015).

The role itself is flagged, and so is every binding granting it (resolved through aggregated
ClusterRoles and the Kubernetes defaults such as `edit`), naming role and subjects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.helpers import risky_grants
from unideploy.security.manifests.objects import RBAC_ROLE_KINDS, K8sObject
from unideploy.security.manifests.rbac import granting, judge_bindings
from unideploy.security.manifests.registry import Check, Finding, Severity

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


@CHECK.objects
def risky(obj: K8sObject) -> Iterator[Finding]:
    for message in risky_grants(obj, VERBS, RESOURCES):
        yield CHECK.finding(obj, message)


@CHECK.collection
def bindings(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    yield from judge_bindings(CHECK, objects, WHAT, granting(VERBS, RESOURCES))

"""UD-K8S-029 cluster-admin granted to a non-system subject (kubescape C-0035).

Judged through bindings: a binding to `cluster-admin`, or to any role whose resolved rules
(aggregated ClusterRoles included) allow every verb on every resource of every API group.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from unideploy.security.manifests.helpers import Rule
from unideploy.security.manifests.objects import K8sObject
from unideploy.security.manifests.rbac import judge_bindings
from unideploy.security.manifests.registry import Check, Finding, Severity

CHECK = Check(
    id="UD-K8S-029",
    severity=Severity.HIGH,
    title="cluster-admin must not be granted to workloads or people by manifest",
    rationale="cluster-admin is every right on every object; a leaked holder owns the cluster.",
    references=("C-0035",),
    applies_to=frozenset(),
)


def _everything(rules: Sequence[Rule]) -> str:
    return (
        "cluster-admin rights (every verb on every resource)"
        if any(rule.everything() for rule in rules)
        else ""
    )


@CHECK.collection
def cluster_admin(objects: Sequence[K8sObject]) -> Iterator[Finding]:
    yield from judge_bindings(
        CHECK, objects, "cluster-admin rights", _everything, by_name=frozenset({"cluster-admin"})
    )

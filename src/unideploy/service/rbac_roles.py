"""Turn the permissions a run needs into Kubernetes RBAC objects: least privilege, no wildcards.

Input: the ordered needs of execute/phases/rbac.py. Output: a ServiceAccount, one Role and
RoleBinding per namespace, one ClusterRole and ClusterRoleBinding for what is cluster-wide, each
rule one (group, resource, names) with exactly the verbs used. Pure: no cluster, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from unideploy.execute.lockbase import LOCK_NAMESPACE
from unideploy.execute.phases.rbac import Need

RBAC_API = "rbac.authorization.k8s.io/v1"
VERB_ORDER = ("get", "list", "watch", "create", "update", "patch", "delete", "bind", "escalate")
RuleKey = tuple[str, str, str | None]


def role_name(stack: str, environment: str) -> str:
    """The name of every generated Role, ClusterRole and binding."""
    return f"unideploy-{stack}-{environment}"


def rules(needs: Iterable[Need]) -> list[dict[str, Any]]:
    """One rule per (group, resource, name), verbs in a fixed order, rules sorted."""
    verbs: dict[RuleKey, set[str]] = {}
    for need in needs:
        verbs.setdefault((need.group, need.resource, need.name), set()).add(need.verb)
    out: list[dict[str, Any]] = []
    for group, resource, name in sorted(verbs, key=lambda k: (k[0], k[1], k[2] or "")):
        rule: dict[str, Any] = {"apiGroups": [group], "resources": [resource]}
        if name:
            rule["resourceNames"] = [name]
        rule["verbs"] = [v for v in VERB_ORDER if v in verbs[(group, resource, name)]]
        out.append(rule)
    return out


def rbac_objects(
    needs: Sequence[Need], *, stack: str, environment: str, account: tuple[str, str]
) -> list[dict[str, Any]]:
    """ServiceAccount, Roles, ClusterRole and their bindings for `account` (namespace, name)."""
    sa_namespace, sa_name = account
    name = role_name(stack, environment)
    labels = {"app.kubernetes.io/managed-by": "unideploy", "unideploy.io/environment": environment}
    subject = [{"kind": "ServiceAccount", "name": sa_name, "namespace": sa_namespace}]
    scoped_namespaces = {need.namespace for need in needs if need.namespace is not None}
    # Roles live in their namespaces, so those exist before the deployer's first run.
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}
        for ns in sorted({sa_namespace, LOCK_NAMESPACE, *scoped_namespaces})
    ]
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": sa_name, "namespace": sa_namespace, "labels": labels},
        }
    )
    cluster = [need for need in needs if need.namespace is None]
    if cluster:
        meta = {"name": name, "labels": labels}
        objects.append(
            {
                "apiVersion": RBAC_API,
                "kind": "ClusterRole",
                "metadata": meta,
                "rules": rules(cluster),
            }
        )
        objects.append(_binding("ClusterRoleBinding", "ClusterRole", meta, subject))
    for namespace in sorted(scoped_namespaces):
        meta = {"name": name, "namespace": namespace, "labels": labels}
        scoped = [need for need in needs if need.namespace == namespace]
        objects.append(
            {"apiVersion": RBAC_API, "kind": "Role", "metadata": meta, "rules": rules(scoped)}
        )
        objects.append(_binding("RoleBinding", "Role", meta, subject))
    return objects


def _binding(
    kind: str, role_kind: str, meta: dict[str, Any], subjects: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_API,
        "kind": kind,
        "metadata": dict(meta),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": role_kind,
            "name": meta["name"],
        },
        "subjects": subjects,
    }

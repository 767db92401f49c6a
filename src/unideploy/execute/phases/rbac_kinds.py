"""The fixed parts of the RBAC derivation: which verbs each user of a resource needs, and why.

Pure tables and functions over rendered manifests (no cluster): the verbs Helm uses on rendered
objects and on its storage, what readiness, drift and the live audit list, the resources the
CRDs of a run will serve, the `bind`/`escalate` grants Kubernetes' escalation prevention
requires for the Roles and bindings a chart ships, and STANDBY: the grants a successful run may
well not use, each with the path that does (tests/integration/test_rbac_audit.py holds every
other grant to the API server's audit log of a run).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from unideploy.engines.kube.discovery import Resource

RBAC_GROUP = "rbac.authorization.k8s.io"
#: Helm's server-side apply (install, upgrade, rollback), its wait, and removal of dropped objects.
OBJECT_VERBS = ("get", "list", "watch", "create", "patch", "delete")
#: Helm's install of a chart's crds/ (server-side apply of each, by name; creating one is also
#: authorized as `create`).
CRD_VERBS = ("create", "patch")
#: Helm's wait for those CRDs to be established: a cluster-wide list and watch (no name).
CRD_WAIT_VERBS = ("list", "watch")
#: Helm's release storage: read and list revisions, write new ones, supersede, prune history.
STORAGE_VERBS = ("get", "list", "create", "update", "delete")
#: The live security audit (security/audit/fetch.py): cluster-wide lists.
AUDIT_LISTS = (
    ("list", "namespaces", ""),
    ("list", "pods", ""),
    ("list", "networkpolicies", "networking.k8s.io"),
    ("list", "clusterroles", RBAC_GROUP),
    ("list", "roles", RBAC_GROUP),
    ("list", "clusterrolebindings", RBAC_GROUP),
    ("list", "rolebindings", RBAC_GROUP),
)
#: What drift lists in every release namespace (drift/detect.py COMMON_KINDS and HPAs).
DRIFT_LISTS = (
    ("list", "configmaps", ""),
    ("list", "services", ""),
    ("list", "serviceaccounts", ""),
    ("list", "deployments", "apps"),
    ("list", "statefulsets", "apps"),
    ("list", "daemonsets", "apps"),
    ("list", "ingresses", "networking.k8s.io"),
    ("list", "networkpolicies", "networking.k8s.io"),
    ("list", "cronjobs", "batch"),
    ("list", "roles", RBAC_GROUP),
    ("list", "rolebindings", RBAC_GROUP),
    ("list", "horizontalpodautoscalers", "autoscaling"),
)
#: (use, verb) → why the grant is needed although a successful run may not use it.
STANDBY = {
    ("objects", "delete"): "Helm deletes the objects a new revision no longer renders (an upgrade "
    "or a rollback dropping them)",
    ("crd-wait", "list"): "Helm lists the chart's CRDs only when one is not yet established "
    "right after its create (a matter of timing: without the grant that wait is refused)",
    ("crd-wait", "watch"): "Helm's status watcher lists, then watches; a CRD already established "
    "when listed ends the wait before the watch starts",
    ("storage", "delete"): "Helm prunes release revisions beyond its history limit",
    ("record", "update"): "a run mirrored again (its record already exists) is replaced",
    ("record", "delete"): "run records beyond the number kept are pruned",
    ("rbac", "bind"): "escalation prevention checks it within the binding's write (no request of "
    "its own) when the deployer does not hold every permission of the bound role",
    ("rbac", "escalate"): "escalation prevention checks it within the role's write (no request "
    "of its own) when the role grants what the deployer does not hold",
}
_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"})


def crd_resources(manifests: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Resource]:
    """(apiVersion, kind) → resource for every version of every CRD among `manifests`."""
    found: dict[tuple[str, str], Resource] = {}
    for manifest in manifests:
        if manifest.get("kind") != "CustomResourceDefinition":
            continue
        spec = manifest.get("spec") or {}
        names = spec.get("names") or {}
        group, kind, plural = spec.get("group"), names.get("kind"), names.get("plural")
        if not (group and kind and plural):
            continue
        namespaced = spec.get("scope", "Namespaced") == "Namespaced"
        for version in spec.get("versions") or []:
            api_version = f"{group}/{version.get('name')}"
            found[(api_version, str(kind))] = Resource(
                api_version, str(kind), str(plural), namespaced
            )
    return found


def rbac_grants(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
    """(verb, resource, name, namespaced) that writing this RBAC object takes beyond patch.

    A Role or ClusterRole may only grant what its writer holds, unless the writer may `escalate`
    it; a binding may only be written by who holds the bound role's permissions, or may `bind` it.
    """
    kind = manifest.get("kind")
    name = str((manifest.get("metadata") or {}).get("name", ""))
    if kind == "Role":
        yield ("escalate", "roles", name, True)
    elif kind == "ClusterRole":
        yield ("escalate", "clusterroles", name, False)
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        ref = manifest.get("roleRef") or {}
        resource = "roles" if ref.get("kind") == "Role" else "clusterroles"
        yield ("bind", resource, str(ref.get("name", "")), kind == "RoleBinding")


def readiness_lists(manifests: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(resource, group) readiness lists in the release namespace for the workloads rendered."""
    kinds = {str(m.get("kind")) for m in manifests}
    wanted: list[tuple[str, str]] = []
    if kinds & _WORKLOADS:
        wanted.append(("pods", ""))
    if "Deployment" in kinds:
        wanted.append(("replicasets", "apps"))
    return wanted

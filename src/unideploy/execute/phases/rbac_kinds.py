"""The fixed parts of the RBAC derivation: which verbs each user of a resource needs, and why.

Pure tables and functions over rendered manifests (no cluster): the verbs Helm uses on rendered
objects and on its storage, what readiness, drift and the live audit list, the resources the
CRDs of a run will serve, and the `bind`/`escalate` grants Kubernetes' escalation prevention
requires for the Roles and bindings a chart ships.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from unideploy.engines.kube.discovery import Resource

RBAC_GROUP = "rbac.authorization.k8s.io"
#: Helm's server-side apply (install, upgrade, rollback), its wait, and removal of dropped objects.
OBJECT_VERBS = ("get", "list", "watch", "create", "patch", "delete")
#: Helm's install of a chart's crds/ (server-side apply of each, by name).
CRD_VERBS = ("get", "create", "patch")
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
    ("list", "secrets", ""),
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

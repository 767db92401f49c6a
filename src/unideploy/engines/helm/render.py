"""Parse what Helm's renderer returns (template path → YAML text) into ordered Kubernetes objects.

Pure: documents split as Helm splits them (`split`), YAML through the safe loader, hooks
split from ordinary objects, and a deterministic order (Helm's install order by kind, then
namespace, then name) so renders compare equal run to run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import yaml

from unideploy.engines.helm.contract import Manifest
from unideploy.engines.helm.split import is_rendered_manifest, split_manifests
from unideploy.errors import EngineError

#: Helm's own install order (pkg/release/util/kind_sorter.go); unknown kinds go last.
INSTALL_ORDER = (
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)
_RANK = {kind: index for index, kind in enumerate(INSTALL_ORDER)}
HOOK_ANNOTATION = "helm.sh/hook"


def sort_key(obj: Manifest) -> tuple[int, str, str, str, str]:
    """Install order by kind, then kind, namespace, name and apiVersion for ties."""
    kind = str(obj.get("kind", ""))
    meta = obj.get("metadata") or {}
    return (
        _RANK.get(kind, len(INSTALL_ORDER)),
        kind,
        str(meta.get("namespace", "")),
        str(meta.get("name", "")),
        str(obj.get("apiVersion", "")),
    )


def is_hook(obj: Manifest) -> bool:
    """True for objects Helm runs as hooks (tests, pre-install jobs), not as release objects."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return HOOK_ANNOTATION in annotations


class _ManifestLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader (several times faster than a pure-Python parser on big charts).

    Timestamps stay strings, as the API server reads them: only JSON types come out.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def load_document(text: str) -> Any:
    """One YAML document through the safe loader above."""
    return yaml.load(text, Loader=_ManifestLoader)  # noqa: S506 - a SafeLoader subclass


def parse_documents(template: str, text: str, release: str) -> list[Manifest]:
    """Every non-empty document of one rendered template (split as Helm splits), each an object."""
    try:
        # Helm records (and applies) each document followed by a newline: `key: |` blocks at
        # the end of a document keep their final newline.
        docs = [load_document(doc + "\n") for doc in split_manifests(text)]
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EngineError(
            f'release "{release}": template {template} renders invalid YAML: {first}',
            hint="render the chart offline and check the indentation of that template",
        ) from exc
    objects: list[Manifest] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, Mapping) or "kind" not in doc or "apiVersion" not in doc:
            raise EngineError(
                f'release "{release}": template {template} renders something that is not a '
                "Kubernetes object (no kind/apiVersion)",
                hint="every YAML document a template emits must be one object",
            )
        objects.append(dict(doc))
    return objects


def split_and_sort(
    rendered: Mapping[str, str], release: str
) -> tuple[tuple[Manifest, ...], tuple[Manifest, ...]]:
    """(objects, hooks), each in deterministic order; NOTES.txt and partials are skipped."""
    objects: list[Manifest] = []
    hooks: list[Manifest] = []
    for template in sorted(rendered):
        if not is_rendered_manifest(template) or not rendered[template].strip():
            continue
        for obj in parse_documents(template, rendered[template], release):
            (hooks if is_hook(obj) else objects).append(obj)
    return tuple(sorted(objects, key=sort_key)), tuple(sorted(hooks, key=sort_key))


def images(manifests: tuple[Manifest, ...] | list[Manifest]) -> list[str]:
    """Every container image the objects use, sorted and unique (for --cache-images and checks)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key in ("containers", "initContainers", "ephemeralContainers"):
                for container in node.get(key) or []:
                    if isinstance(container, Mapping) and container.get("image"):
                        found.add(str(container["image"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(list(manifests))
    return sorted(found)

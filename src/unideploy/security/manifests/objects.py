"""Typed views over parsed Kubernetes objects: the object, its pod spec and every container in it.

The scanner builds `K8sObject`s from YAML; checks walk them through `pod_spec_of` and
`PodSpec.containers`, which know every pod-bearing kind (CronJob's jobTemplate included) and
init and ephemeral containers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

POD_BEARING_KINDS: frozenset[str] = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
    | {"CronJob", "PodTemplate"}
)
RBAC_ROLE_KINDS: frozenset[str] = frozenset({"Role", "ClusterRole"})
RBAC_BINDING_KINDS: frozenset[str] = frozenset({"RoleBinding", "ClusterRoleBinding"})
CLUSTER_SCOPED_KINDS: frozenset[str] = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "Node", "PersistentVolume", "StorageClass"}
    | {"CustomResourceDefinition", "PriorityClass", "IngressClass", "RuntimeClass"}
    | {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService"}
    | {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver"}
)

EXEMPT_ANNOTATION = "unideploy.io/exempt"
EXEMPT_REASON_ANNOTATION = "unideploy.io/exempt-reason"


_EMPTY_MAP: dict[str, Any] = {}
_EMPTY_LIST: list[Any] = []


def as_map(value: object) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one (manifests are untrusted input); read-only."""
    if type(value) is dict:
        return value
    return dict(value) if isinstance(value, Mapping) else _EMPTY_MAP


def as_list(value: object) -> list[Any]:
    """`value` if it is a list, else an empty one; read-only."""
    return value if type(value) is list else _EMPTY_LIST


@dataclass(frozen=True)
class ObjectRef:
    """What a finding points at: kind, namespace (empty when cluster-scoped or unset) and name."""

    kind: str
    namespace: str
    name: str

    def to_json(self) -> dict[str, str]:
        """Return the `object` member of a JSON finding."""
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"


@dataclass(frozen=True)
class K8sObject:
    """One Kubernetes object as read from a manifest, with where it came from."""

    raw: Mapping[str, Any]
    path: str = ""
    line: int = 0

    @cached_property
    def kind(self) -> str:
        """The object's kind."""
        return str(self.raw.get("kind", ""))

    @property
    def api_version(self) -> str:
        """The object's apiVersion."""
        return str(self.raw.get("apiVersion", ""))

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The object's metadata mapping."""
        return as_map(self.raw.get("metadata"))

    @cached_property
    def name(self) -> str:
        """metadata.name, or generateName when only that is set."""
        meta = self.metadata
        return str(meta.get("name") or meta.get("generateName") or "")

    @cached_property
    def namespace(self) -> str:
        """metadata.namespace as written (empty when unset)."""
        return str(self.metadata.get("namespace") or "")

    @cached_property
    def annotations(self) -> dict[str, str]:
        """metadata.annotations with values as strings."""
        return {str(k): str(v) for k, v in as_map(self.metadata.get("annotations")).items()}

    @cached_property
    def labels(self) -> dict[str, str]:
        """metadata.labels with values as strings."""
        return {str(k): str(v) for k, v in as_map(self.metadata.get("labels")).items()}

    @cached_property
    def spec(self) -> dict[str, Any]:
        """The object's spec mapping."""
        return as_map(self.raw.get("spec"))

    @cached_property
    def ref(self) -> ObjectRef:
        """The reference findings carry."""
        return ObjectRef(self.kind, self.namespace, self.name)


@dataclass(frozen=True)
class PodSpec:
    """The pod spec of a pod-bearing object (the Pod's own, or its template's)."""

    owner: K8sObject
    spec: Mapping[str, Any]
    template_metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def security_context(self) -> dict[str, Any]:
        """spec.securityContext (pod level)."""
        return as_map(self.spec.get("securityContext"))

    @property
    def volumes(self) -> list[dict[str, Any]]:
        """spec.volumes as mappings."""
        return [as_map(v) for v in as_list(self.spec.get("volumes"))]

    @property
    def annotations(self) -> dict[str, str]:
        """Annotations of the pod (template metadata, or the Pod's own metadata)."""
        meta = as_map(self.template_metadata) or self.owner.metadata
        return {str(k): str(v) for k, v in as_map(meta.get("annotations")).items()}

    def containers(self) -> Iterator[Container]:
        """Every container: regular, init and ephemeral, in that order."""
        for key, role in (
            ("containers", "container"),
            ("initContainers", "initContainer"),
            ("ephemeralContainers", "ephemeralContainer"),
        ):
            for raw in as_list(self.spec.get(key)):
                if isinstance(raw, Mapping):
                    yield Container(pod=self, raw=raw, role=role)


@dataclass(frozen=True)
class Container:
    """One container of a pod spec, with pod-level defaults one step away."""

    pod: PodSpec
    raw: Mapping[str, Any]
    role: str = "container"

    @property
    def name(self) -> str:
        """The container's name."""
        return str(self.raw.get("name", ""))

    @property
    def owner(self) -> K8sObject:
        """The object the container belongs to."""
        return self.pod.owner

    @property
    def image(self) -> str:
        """The image reference as written."""
        return str(self.raw.get("image") or "")

    @property
    def security_context(self) -> dict[str, Any]:
        """The container's own securityContext."""
        return as_map(self.raw.get("securityContext"))

    def effective(self, key: str) -> Any:
        """A securityContext field of the container, else the pod's (as the kubelet resolves it)."""
        own = self.security_context
        if key in own and own[key] is not None:
            return own[key]
        return self.pod.security_context.get(key)

    @property
    def capabilities(self) -> tuple[set[str], set[str]]:
        """(added, dropped) capability names, upper-cased without a CAP_ prefix."""
        caps = as_map(self.security_context.get("capabilities"))

        def norm(values: object) -> set[str]:
            return {str(v).upper().removeprefix("CAP_") for v in as_list(values)}

        return norm(caps.get("add")), norm(caps.get("drop"))

    @property
    def resources(self) -> dict[str, Any]:
        """The container's resources mapping."""
        return as_map(self.raw.get("resources"))


def pod_spec_of(obj: K8sObject) -> PodSpec | None:
    """Return the pod spec of a pod-bearing object, or None for other kinds or a missing spec."""
    kind = obj.kind
    if kind not in POD_BEARING_KINDS:
        return None
    if kind == "Pod":
        return PodSpec(owner=obj, spec=obj.spec)
    if kind == "PodTemplate":
        template = as_map(obj.raw.get("template"))
    elif kind == "CronJob":
        job_spec = as_map(as_map(obj.spec.get("jobTemplate")).get("spec"))
        template = as_map(job_spec.get("template"))
    else:
        template = as_map(obj.spec.get("template"))
    if not template:
        return None
    return PodSpec(
        owner=obj,
        spec=as_map(template.get("spec")),
        template_metadata=as_map(template.get("metadata")),
    )


def namespace_of(obj: K8sObject, default: str = "default") -> str:
    """The namespace an object lands in: its own, or `default` for namespaced kinds without one."""
    if obj.kind in CLUSTER_SCOPED_KINDS:
        return ""
    return obj.namespace or default

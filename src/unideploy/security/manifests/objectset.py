"""The whole rendered set a scan judges: one release, or every release of an environment.

`run_checks` wraps the loaded objects once in an `ObjectSet`; cross-object checks (RBAC through
bindings, NetworkPolicies and PodDisruptionBudgets by selector, HPAs) read its indexes instead of
walking the list again. A namespace holding no object of a kind in the set is how a check knows it
cannot decide: those objects may come from another tool, so its verdict is "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from unideploy.security.manifests.objects import (
    K8sObject,
    PodSpec,
    as_map,
    namespace_of,
    pod_spec_of,
)

T = TypeVar("T")
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


class ObjectSet(tuple[K8sObject, ...]):
    """The scanned objects plus lookups by kind, namespace and name; `environment` may be None."""

    environment: str | None

    def __new__(cls, objects: Iterable[K8sObject], environment: str | None = None) -> ObjectSet:
        made = super().__new__(cls, objects)
        made.environment = environment
        return made

    @classmethod
    def of(cls, objects: Sequence[K8sObject], environment: str | None = None) -> ObjectSet:
        """`objects` itself when it already is a set (its environment kept unless given)."""
        if isinstance(objects, ObjectSet):
            if environment is not None and objects.environment != environment:
                return cls(objects, environment)
            return objects
        return cls(objects, environment)

    def memo(self, key: str, build: Callable[[ObjectSet], T]) -> T:
        """`build(self)`, computed once per set (e.g. every binding resolved, shared by checks)."""
        memos: dict[str, Any] = self.__dict__.setdefault("_memos", {})
        if key not in memos:
            memos[key] = build(self)
        return memos[key]  # type: ignore[no-any-return]

    @cached_property
    def _by_kind_namespace(self) -> dict[tuple[str, str], list[K8sObject]]:
        index: dict[tuple[str, str], list[K8sObject]] = {}
        for obj in self:
            index.setdefault((obj.kind, namespace_of(obj)), []).append(obj)
        return index

    @cached_property
    def _by_name(self) -> dict[tuple[str, str, str], K8sObject]:
        return {(obj.kind, namespace_of(obj), obj.name): obj for obj in self}

    def in_namespace(self, kind: str, namespace: str) -> list[K8sObject]:
        """Objects of `kind` in `namespace` ("" for cluster-scoped kinds)."""
        return self._by_kind_namespace.get((kind, namespace), [])

    @cached_property
    def _by_kind(self) -> dict[str, list[K8sObject]]:
        index: dict[str, list[K8sObject]] = {}
        for obj in self:
            index.setdefault(obj.kind, []).append(obj)
        return index

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        """Every object of one of `kinds` (kind by kind, each in input order)."""
        if len(kinds) == 1:
            return self._by_kind.get(kinds[0], [])
        return [obj for kind in kinds for obj in self._by_kind.get(kind, [])]

    @cached_property
    def workloads(self) -> list[tuple[K8sObject, dict[str, str]]]:
        """Every pod-bearing object with the labels its pods carry, found once."""
        out = []
        for obj in self:
            pod = pod_spec_of(obj)
            if pod is not None:
                out.append((obj, _labels_of(obj, pod)))
        return out

    def named(self, kind: str, namespace: str, name: str) -> K8sObject | None:
        """The object of `kind` called `name` in `namespace` ("" when cluster-scoped), if any."""
        return self._by_name.get((kind, namespace, name))

    @cached_property
    def _autoscalers(self) -> dict[tuple[str, str, str], K8sObject]:
        index: dict[tuple[str, str, str], K8sObject] = {}
        for hpa in self.of_kind("HorizontalPodAutoscaler"):
            target = as_map(hpa.spec.get("scaleTargetRef"))
            index[(str(target.get("kind", "")), namespace_of(hpa), str(target.get("name", "")))] = (
                hpa
            )
        return index

    def autoscaler_of(self, workload: K8sObject) -> K8sObject | None:
        """The HorizontalPodAutoscaler whose scaleTargetRef names `workload`, if the set has one."""
        return self._autoscalers.get((workload.kind, namespace_of(workload), workload.name))


def pod_labels(obj: K8sObject) -> dict[str, str]:
    """The labels the workload's pods carry (template labels; a Pod's own labels)."""
    return _labels_of(obj, pod_spec_of(obj))


def _labels_of(obj: K8sObject, pod: PodSpec | None) -> dict[str, str]:
    if pod is None or not pod.template_metadata:
        return obj.labels
    return {str(k): str(v) for k, v in as_map(pod.template_metadata.get("labels")).items()}


def _count(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return default


def replicas_of(obj: K8sObject, world: ObjectSet) -> tuple[int, str]:
    """How many pods a scalable workload keeps at least, and where that number comes from.

    An HPA targeting it sets the floor (`minReplicas`, default 1); else `spec.replicas`
    (default 1).
    """
    hpa = world.autoscaler_of(obj)
    if hpa is not None:
        return _count(hpa.spec.get("minReplicas"), 1), f"HPA {hpa.name} minReplicas"
    return _count(obj.spec.get("replicas"), 1), "replicas"


def count_of(value: object) -> int | None:
    """An integer field (int or digit string), else None (percentages, junk)."""
    got = _count(value, -1)
    return None if got < 0 else got

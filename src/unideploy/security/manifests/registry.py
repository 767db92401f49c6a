"""The check registry: Severity, Finding, Check, and the run applying every check to objects.

Checks live one per module under `unideploy.security.manifests.k8s` and are discovered here.
`run_checks` walks the objects, calls each check's hooks and applies exemptions
(`unideploy.io/exempt` plus `unideploy.io/exempt-reason` annotations).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from unideploy.errors import ConfigError
from unideploy.security.manifests.objects import (
    EXEMPT_ANNOTATION,
    EXEMPT_REASON_ANNOTATION,
    POD_BEARING_KINDS,
    Container,
    K8sObject,
    ObjectRef,
    PodSpec,
    pod_spec_of,
)
from unideploy.security.manifests.objectset import ObjectSet

CHECK_ID = re.compile(r"^UD-K8S-\d{3}$")


class Severity(StrEnum):
    """How bad a finding is; ordered low < medium < high < critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order, 0 for low."""
        return list(Severity).index(self)

    def at_least(self, other: Severity) -> bool:
        """True when this severity is `other` or worse."""
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: str, *, what: str = "severity") -> Severity:
        """Parse a severity name case-insensitively, raising ConfigError naming the choices."""
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ConfigError(
                f"{what} {text!r} is not a severity", hint=f"use one of: {choices}"
            ) from None


@dataclass(frozen=True)
class Finding:
    """One violation of one check by one object (and container, where it applies)."""

    check_id: str
    severity: Severity
    title: str
    object: ObjectRef
    message: str
    container: str | None = None
    references: tuple[str, ...] = ()
    path: str = ""
    line: int = 0
    exempted: bool = False
    exemption_reason: str | None = None
    unknown: bool = False

    @property
    def verdict(self) -> str:
        """`fail`, or `unknown` when the check needed objects outside the scanned set."""
        return "unknown" if self.unknown else "fail"

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of a finding (stable: other tools read it)."""
        return {
            "check_id": self.check_id,
            "severity": self.severity.value,
            "title": self.title,
            "object": self.object.to_json(),
            "container": self.container,
            "message": self.message,
            "verdict": self.verdict,
            "references": list(self.references),
            "source": {"path": self.path, "line": self.line},
            "exempted": self.exempted,
            "exemption_reason": self.exemption_reason,
        }


Subject = Container | PodSpec | K8sObject
Produced = Finding | Iterable[Finding] | None
ContainerHook = Callable[[Container], Produced]
PodHook = Callable[[PodSpec], Produced]
ObjectHook = Callable[[K8sObject], Produced]
CollectionHook = Callable[[Sequence[K8sObject]], Produced]


def _collect(produced: Produced) -> list[Finding]:
    if produced is None:
        return []
    if type(produced) is Finding:
        return [produced]
    return list(produced)  # type: ignore[arg-type]


@dataclass(eq=False)
class Check:
    """A check: identity, severity, one-line rationale, scanner cross-references and its hooks."""

    id: str
    severity: Severity
    title: str
    rationale: str
    references: tuple[str, ...] = ()
    applies_to: frozenset[str] = POD_BEARING_KINDS
    _container_hooks: list[ContainerHook] = field(default_factory=list, repr=False)
    _pod_hooks: list[PodHook] = field(default_factory=list, repr=False)
    _object_hooks: list[ObjectHook] = field(default_factory=list, repr=False)
    _collection_hooks: list[CollectionHook] = field(default_factory=list, repr=False)

    def containers(self, fn: ContainerHook) -> ContainerHook:
        """Register a hook called for every container (regular, init, ephemeral)."""
        self._container_hooks.append(fn)
        return fn

    def pods(self, fn: PodHook) -> PodHook:
        """Register a hook called for every pod spec."""
        self._pod_hooks.append(fn)
        return fn

    def objects(self, fn: ObjectHook) -> ObjectHook:
        """Register a hook called for every object whose kind is in `applies_to`."""
        self._object_hooks.append(fn)
        return fn

    def collection(self, fn: CollectionHook) -> CollectionHook:
        """Register a hook that sees the whole set at once (cross-object checks)."""
        self._collection_hooks.append(fn)
        return fn

    def finding(
        self,
        subject: Subject | ObjectRef,
        message: str,
        *,
        severity: Severity | None = None,
        at: K8sObject | None = None,
        unknown: bool = False,
    ) -> Finding:
        """Build a finding of this check about a container, pod spec, object or bare reference.

        `unknown=True` marks a verdict the scanned set cannot settle (the objects it needs may be
        applied by another tool); it is reported, never silently passed.
        """
        container = subject.name if isinstance(subject, Container) else None
        if isinstance(subject, Container | PodSpec):
            at = subject.owner
        elif isinstance(subject, K8sObject):
            at = subject
        ref = subject if isinstance(subject, ObjectRef) else (at.ref if at else None)
        assert ref is not None
        return Finding(
            check_id=self.id,
            severity=severity or self.severity,
            title=self.title,
            object=ref,
            message=message,
            container=container,
            references=self.references,
            path=at.path if at else "",
            line=at.line if at else 0,
            unknown=unknown,
        )

    def run(self, objects: Sequence[K8sObject], walk: Walk | None = None) -> list[Finding]:
        """Apply this check to `objects` (exemptions are applied by `run_checks`)."""
        found: list[Finding] = []
        if self._object_hooks or self._pod_hooks or self._container_hooks:
            for obj, pod, containers in walk if walk is not None else prepare(objects):
                if obj.kind not in self.applies_to:
                    continue
                for object_hook in self._object_hooks:
                    found += _collect(object_hook(obj))
                if pod is None:
                    continue
                for pod_hook in self._pod_hooks:
                    found += _collect(pod_hook(pod))
                for container in containers:
                    for container_hook in self._container_hooks:
                        found += _collect(container_hook(container))
        if self._collection_hooks:
            whole = ObjectSet.of(objects)
            for collection_hook in self._collection_hooks:
                found += _collect(collection_hook(whole))
        return found


Walk = list[tuple[K8sObject, PodSpec | None, tuple[Container, ...]]]


def prepare(objects: Sequence[K8sObject]) -> Walk:
    """Each object with its pod spec and containers, found once for every check to share."""
    walk: Walk = []
    for obj in objects:
        pod = pod_spec_of(obj)
        walk.append((obj, pod, tuple(pod.containers()) if pod else ()))
    return walk


@cache
def all_checks() -> tuple[Check, ...]:
    """Every registered check, ordered by ID (imports each module of `security.manifests.k8s`)."""
    from unideploy.security.manifests import k8s

    checks: list[Check] = []
    for info in sorted(pkgutil.iter_modules(k8s.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{k8s.__name__}.{info.name}")
        check = getattr(module, "CHECK", None)
        if isinstance(check, Check):
            checks.append(check)
    return tuple(sorted(checks, key=lambda c: c.id))


def check_by_id(check_id: str) -> Check:
    """Return one check, raising ConfigError with the known IDs when it does not exist."""
    for check in all_checks():
        if check.id == check_id.upper():
            return check
    raise ConfigError(
        f"no check with ID {check_id!r}", hint="`unideploy security checks` lists them all"
    )


def exemptions_of(obj: K8sObject) -> tuple[frozenset[str], str | None]:
    """The check IDs an object is exempt from and the stated reason (None when missing)."""
    annotations = obj.annotations
    ids = frozenset(
        part.strip().upper()
        for part in annotations.get(EXEMPT_ANNOTATION, "").split(",")
        if part.strip()
    )
    reason = annotations.get(EXEMPT_REASON_ANNOTATION, "").strip() or None
    return ids, reason


def apply_exemptions(findings: Iterable[Finding], objects: Sequence[K8sObject]) -> list[Finding]:
    """Mark findings exempted by their object's annotations; exemptions need a reason."""
    by_ref = {obj.ref: obj for obj in objects}
    by_place = {(obj.ref, obj.path, obj.line): obj for obj in objects}
    out: list[Finding] = []
    for found in findings:
        obj = by_place.get((found.object, found.path, found.line)) or by_ref.get(found.object)
        ids, reason = exemptions_of(obj) if obj is not None else (frozenset(), None)
        if found.check_id not in ids:
            out.append(found)
        elif reason is None:
            note = f" (exemption ignored: {EXEMPT_ANNOTATION} needs a {EXEMPT_REASON_ANNOTATION})"
            out.append(replace(found, message=found.message + note))
        else:
            out.append(replace(found, exempted=True, exemption_reason=reason))
    return out


def run_checks(
    objects: Sequence[K8sObject],
    checks: Sequence[Check] | None = None,
    *,
    environment: str | None = None,
) -> list[Finding]:
    """Run `checks` (default: all) over `objects` and return findings with exemptions applied.

    `objects` is the whole rendered set (a release, or every release of an environment):
    cross-object checks see all of it at once; `environment` names the environment it is for.
    """
    found: list[Finding] = []
    objects = ObjectSet.of(objects, environment)
    walk = prepare(objects)
    for check in all_checks() if checks is None else checks:
        found += check.run(objects, walk)
    return apply_exemptions(found, objects)

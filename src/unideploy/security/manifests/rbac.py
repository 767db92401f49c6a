"""RBAC through bindings: each RoleBinding/ClusterRoleBinding resolved to the rules it grants.

A binding grants its roleRef: a Role of the binding's namespace or a ClusterRole, both looked up
in the scanned set first, then among Kubernetes' default ClusterRoles (cluster-admin, admin, edit,
view with their aggregation labels). An aggregated ClusterRole grants the rules of every
ClusterRole its `aggregationRule` selects, recursively. A role found nowhere makes the grant
unknown. The RBAC checks (UD-K8S-029, 031, 032, 033) judge these grants by subject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from unideploy.security.manifests.helpers import (
    Rule,
    describe_subject,
    is_system_subject,
    risky_grants,
    rules_of,
    subjects_of,
)
from unideploy.security.manifests.objects import (
    RBAC_BINDING_KINDS,
    K8sObject,
    as_list,
    as_map,
    namespace_of,
)
from unideploy.security.manifests.objectset import ObjectSet
from unideploy.security.manifests.registry import Check, Finding
from unideploy.security.manifests.selectors import selects_any

AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-"
_ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_READ = ["get", "list", "watch"]
_POD_SUBRESOURCES = ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]


def _role(name: str, rules: list[dict[str, Any]], to: str = "", selects: str = "") -> K8sObject:
    raw: dict[str, Any] = {"kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}
    if to:
        raw["metadata"]["labels"] = {AGGREGATE + to: "true"}
    if selects:
        selector = {"matchLabels": {AGGREGATE + selects: "true"}}
        raw["aggregationRule"] = {"clusterRoleSelectors": [selector]}
    return K8sObject(raw=raw, path="<kubernetes default>")


# The default ClusterRoles as far as the checks care (resources of the core group).
BUILTIN: dict[str, K8sObject] = {
    role.name: role
    for role in (
        _role(
            "cluster-admin",
            [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        ),
        _role("admin", [], selects="admin"),
        _role("edit", [], to="admin", selects="edit"),
        _role("view", [], to="edit", selects="view"),
        _role(
            "system:aggregate-to-admin",
            [
                {
                    "apiGroups": ["rbac.authorization.k8s.io"],
                    "resources": ["rolebindings", "roles"],
                    "verbs": _ALL,
                }
            ],
            to="admin",
        ),
        _role(
            "system:aggregate-to-edit",
            [
                {"apiGroups": [""], "resources": [*_POD_SUBRESOURCES, "secrets"], "verbs": _ALL},
                {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
            ],
            to="edit",
        ),
        _role(
            "system:aggregate-to-view",
            [{"apiGroups": [""], "resources": ["pods", "pods/log", "configmaps"], "verbs": _READ}],
            to="view",
        ),
    )
}


@dataclass(frozen=True)
class Grant:
    """What one binding grants: its role (None when not found), the rules and the subjects."""

    binding: K8sObject
    role_kind: str
    role_name: str
    role: K8sObject | None
    rules: tuple[Rule, ...]
    aggregated: tuple[str, ...]
    subjects: tuple[dict[str, Any], ...]

    @property
    def known(self) -> bool:
        """False when the role is neither in the set nor a Kubernetes default."""
        return self.role is not None

    def role_text(self) -> str:
        """`ClusterRole edit (aggregating a, b)` for messages."""
        text = f"{self.role_kind} {self.role_name}"
        if self.aggregated:
            text += f" (aggregating {', '.join(self.aggregated)})"
        return text

    def people(self) -> list[dict[str, Any]]:
        """The subjects Kubernetes does not manage itself."""
        return [s for s in self.subjects if not is_system_subject(s)]


def _cluster_role(name: str, world: ObjectSet) -> K8sObject | None:
    return world.named("ClusterRole", "", name) or BUILTIN.get(name)


def _candidates(world: ObjectSet) -> list[K8sObject]:
    written = world.of_kind("ClusterRole")
    names = {role.name for role in written}
    return written + [role for name, role in BUILTIN.items() if name not in names]


def resolve_rules(
    role: K8sObject, world: ObjectSet, seen: frozenset[str] = frozenset()
) -> tuple[list[Rule], list[str]]:
    """The rules `role` grants, its aggregated ClusterRoles' included, and their names."""
    rules = list(rules_of(role))
    aggregation = as_map(role.raw.get("aggregationRule"))
    selectors = [as_map(s) for s in as_list(aggregation.get("clusterRoleSelectors"))]
    if role.kind != "ClusterRole" or not selectors:
        return rules, []
    names: list[str] = []
    seen = seen | {role.name}
    for candidate in _candidates(world):
        if candidate.name in seen or not selects_any(selectors, candidate.labels):
            continue
        more, deeper = resolve_rules(candidate, world, seen)
        seen = seen | {candidate.name, *deeper}
        rules += more
        names += [candidate.name, *deeper]
    return rules, names


def resolve(binding: K8sObject, world: ObjectSet) -> Grant:
    """Resolve one RoleBinding or ClusterRoleBinding against the set and the defaults."""
    ref = as_map(binding.raw.get("roleRef"))
    kind, name = str(ref.get("kind") or "ClusterRole"), str(ref.get("name") or "")
    if kind == "Role":
        role = world.named("Role", namespace_of(binding), name)
    else:
        role = _cluster_role(name, world)
    rules, aggregated = resolve_rules(role, world) if role is not None else ([], [])
    subjects = tuple(subjects_of(binding))
    return Grant(binding, kind, name, role, tuple(rules), tuple(aggregated), subjects)


def grants(world: ObjectSet) -> list[Grant]:
    """Every binding of the set resolved (once per set, shared by the RBAC checks)."""
    return world.memo(
        "rbac.grants", lambda w: [resolve(b, w) for b in w.of_kind(*RBAC_BINDING_KINDS)]
    )


def scope_of(grant: Grant) -> str:
    """`cluster-wide` or `in namespace X`."""
    if grant.binding.kind == "ClusterRoleBinding":
        return "cluster-wide"
    return f"in namespace {namespace_of(grant.binding)}"


def granting(verbs: set[str], resources: Sequence[str]) -> Callable[[Sequence[Rule]], str]:
    """A matcher: what the first rule granting any of `verbs` on one of `resources` allows.

    `resources` may be `["*"]`: then any grant of `verbs` counts, whatever the resource.
    """

    def matches(rules: Sequence[Rule]) -> str:
        for rule in rules:
            granted = sorted(verbs & rule.verbs) or (sorted(verbs) if "*" in rule.verbs else [])
            if not granted:
                continue
            for resource in resources:
                if resource == "*":
                    return "/".join(granted)
                if rule.grants(verbs, resource, ""):
                    return f"{'/'.join(granted)} on {resource}"
        return ""

    return matches


def judge_bindings(
    check: Check,
    objects: Sequence[K8sObject],
    what: str,
    matches: Callable[[Sequence[Rule]], str],
    *,
    by_name: frozenset[str] = frozenset(),
) -> Iterator[Finding]:
    """Findings of `check` for every binding whose resolved rules satisfy `matches(rules)`.

    Names binding (the finding's object), role and subjects; a role found nowhere gives an
    unknown finding, except Kubernetes' own `system:` roles, which are not judged, and roles
    named in `by_name`, whose name alone decides.
    """
    for grant in grants(ObjectSet.of(objects)):
        people = grant.people()
        if not people:
            continue
        who = ", ".join(describe_subject(s) for s in people)
        if grant.role_name in by_name and not grant.known:
            yield check.finding(
                grant.binding,
                f"binds {grant.role_kind} {grant.role_name} {scope_of(grant)} to {who}",
            )
            continue
        if not grant.known:
            if grant.role_name.startswith("system:"):
                continue
            yield check.finding(
                grant.binding,
                f"{grant.role_kind} {grant.role_name} is not in the scanned set; cannot tell "
                f"whether it grants {what} to {who}",
                unknown=True,
            )
            continue
        detail = matches(grant.rules)
        if detail:
            yield check.finding(
                grant.binding,
                f"grants {detail} {scope_of(grant)} via {grant.role_text()} to {who}",
            )


def grant_check(check: Check, verbs: set[str], resources: Sequence[str], what: str) -> None:
    """Register both hooks of a check on one grant (`what` names it in findings).

    Every role allowing `verbs` on `resources` is flagged, and so is every binding whose resolved
    rules allow them.
    """

    @check.objects
    def roles(obj: K8sObject) -> Iterator[Finding]:
        for message in risky_grants(obj, verbs, resources):
            yield check.finding(obj, message)

    @check.collection
    def bindings(objects: Sequence[K8sObject]) -> Iterator[Finding]:
        yield from judge_bindings(check, objects, what, granting(verbs, resources))

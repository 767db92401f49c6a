"""Compare the generated RBAC roles with what an identity did, as the API server's audit log says.

A grant is one verb of one rule of a generated Role (its namespace) or ClusterRole (cluster-wide),
on one resource name when the rule names some. A use is one audited request, as RBAC authorized
it; a server-side apply that created its object (a patch answered 201) also used `create`, which
the API server checks without a request of its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.execute.phases.rbac import Need
from unideploy.sandbox.audit import Request, requests

# What RBAC asks in a request: (verb, group, resource, namespace, name).
Key = tuple[str, str, str, str | None, str | None]


@dataclass(frozen=True)
class Grant:
    """One verb of one generated rule."""

    verb: str
    group: str
    resource: str
    namespace: str | None  # None: the ClusterRole's
    name: str | None  # a resourceNames entry, None when the rule names none

    @property
    def need_key(self) -> tuple[str, str, str, str | None, str | None]:
        """The derivation's Need.key for the same permission."""
        return (self.verb, self.resource, self.group, self.namespace, self.name)

    def text(self) -> str:
        """`patch deployments.apps/NAME in ns`."""
        what = f"{self.resource}.{self.group}" if self.group else self.resource
        what += f"/{self.name}" if self.name else ""
        return f"{self.verb} {what}" + (f" in {self.namespace}" if self.namespace else " (cluster)")


def grants(objects: Iterable[dict[str, Any]]) -> list[Grant]:
    """Every (verb, rule, name) of the generated Roles and ClusterRoles."""
    found: list[Grant] = []
    for obj in objects:
        if obj["kind"] not in ("Role", "ClusterRole"):
            continue
        namespace = obj["metadata"].get("namespace") if obj["kind"] == "Role" else None
        for rule in obj["rules"]:
            names: list[str | None] = list(rule.get("resourceNames") or [None])
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    for verb in rule["verbs"]:
                        found += [Grant(verb, group, resource, namespace, n) for n in names]
    return found


def wildcards(objects: Iterable[dict[str, Any]]) -> list[str]:
    """Each rule field holding `*`, as `Kind namespace/name: field`."""
    found: list[str] = []
    for obj in objects:
        for rule in obj.get("rules", []):
            for field in ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"):
                if any("*" in value for value in rule.get(field, [])):
                    meta = obj["metadata"]
                    found.append(f"{obj['kind']} {meta.get('namespace')}/{meta['name']}: {field}")
    return found


def uses(log_requests: Iterable[Request]) -> set[Key]:
    """What RBAC authorized for each request (and `create` for an apply that created)."""
    used: set[Key] = set()
    for req in log_requests:
        used.add((req.verb, req.group, req.resource, req.namespace, req.name))
        if req.created:
            used.add(("create", req.group, req.resource, req.namespace, req.name))
    return used


def covers(grant: Grant, use: Key) -> bool:
    """Whether RBAC would allow `use` by `grant` alone."""
    verb, group, resource, namespace, name = use
    if (verb, group, resource) != (grant.verb, grant.group, grant.resource):
        return False
    if grant.name is not None and name != grant.name:
        return False
    return grant.namespace is None or namespace == grant.namespace


def used_by(grant: Grant, use: Key) -> bool:
    """Whether `use` is what `grant` exists for (a cluster-wide grant: a cluster-wide request).

    A request for a Namespace carries the namespace's name as its namespace.
    """
    if not covers(grant, use):
        return False
    namespace = use[3]
    if grant.namespace is None and grant.resource != "namespaces":
        return namespace is None
    return True


def by_default(req: Request) -> bool:
    """Allowed by a default ClusterRole every authenticated user holds (self reviews)."""
    return req.decision == "allow" and 'to Group "system:authenticated"' in req.reason


def settled(log: Path, user: str, quiet_s: float = 1.5, timeout_s: float = 20) -> list[Request]:
    """The user's requests once the log stops growing (watches are logged when they end)."""
    deadline = time.monotonic() + timeout_s
    last = requests(log, user)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        current = requests(log, user)
        if len(current) == len(last):
            return current
        last = current
    return last


def compare(
    objects: Sequence[dict[str, Any]], log_requests: Sequence[Request], needs: Sequence[Need]
) -> list[str]:
    """Every problem found, one line each ([] when the roles match the log)."""
    problems = [f"wildcard: {where}" for where in wildcards(objects)]
    problems += [
        f"refused ({req.code}): {req.verb} {req.resource} in {req.namespace}: {req.reason}"
        for req in log_requests
        if req.code == 403 or req.decision == "forbid"
    ]
    granted = grants(objects)
    ours = [req for req in log_requests if not by_default(req)]
    for use in sorted(uses(ours), key=str):
        if not any(covers(grant, use) for grant in granted):
            problems.append("used but not granted: {} {}.{} ns={} name={}".format(*use))
    used = uses(log_requests)
    standby = {need.key: need for need in needs if need.standby}
    for grant in granted:
        if any(used_by(grant, use) for use in used):
            continue
        need = standby.get(grant.need_key)
        if need is None:
            problems.append(f"granted but unused, no reason given: {grant.text()}")
    return problems

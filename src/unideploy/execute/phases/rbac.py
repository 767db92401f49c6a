"""The permissions a run needs, each with the phase and release that use it, in run order.

Derived from the plan: the environment lock (a Lease), the preflight's namespace list, Helm's
release storage (Secrets) and every kind each chart renders — resource names and scope resolved
through API discovery, or from the CRDs the same run installs — with the verbs Helm's server-side
apply, its wait, rollback and pruning use; `bind`/`escalate` only on the RBAC objects a chart
ships (by name); pods and replicasets where readiness reads them; the live security audit; the
run mirror (ConfigMaps); and what drift lists. `unideploy rbac` turns the list into Roles
(service/rbac_roles.py); the preflight asks the API server about each, in this order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube.discovery import Resource, mapper_for
from unideploy.errors import UnideployError
from unideploy.execute.lockbase import LOCK_NAMESPACE
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import render_release
from unideploy.execute.phases.rbac_kinds import (
    AUDIT_LISTS,
    CRD_VERBS,
    CRD_WAIT_VERBS,
    DRIFT_LISTS,
    OBJECT_VERBS,
    STANDBY,
    STORAGE_VERBS,
    crd_resources,
    rbac_grants,
    readiness_lists,
)

LOG = logging.getLogger("unideploy.preflight")
Manifest = Mapping[str, Any]
Resolver = Callable[[str, str], Resource | None]


@dataclass(frozen=True)
class Need:
    """One verb on one resource (in one namespace, or cluster-wide), and who in the run uses it."""

    verb: str
    resource: str
    group: str
    namespace: str | None
    phase: str
    release: str | None = None
    why: str = ""
    name: str | None = None
    #: Why this is needed although a successful run may not use it ("" when every run does).
    standby: str = ""

    @property
    def key(self) -> tuple[str, str, str, str | None, str | None]:
        """What the API server is asked: (verb, resource, group, namespace, name)."""
        return (self.verb, self.resource, self.group, self.namespace, self.name)

    def target(self) -> str:
        """`patch deployments.apps in apps`, `bind clusterroles/reader (cluster-wide)`."""
        what = f"{self.resource}.{self.group}" if self.group else self.resource
        if self.name:
            what += f"/{self.name}"
        where = f" in {self.namespace}" if self.namespace else " (cluster-wide)"
        return f"{self.verb} {what}{where}"

    def describe(self) -> str:
        """Phase, release and target, for the preflight's refusal."""
        who = f", release {self.release}" if self.release else ""
        return f"phase {self.phase}{who}: {self.target()}"


def required_needs(
    ctx: PipelineContext, resolve: Resolver | None = None, *, strict: bool = False
) -> list[Need]:
    """Every permission the run uses, first use first, without duplicates.

    `resolve` maps (apiVersion, kind) to the served resource (API discovery by default); with
    `strict`, a release that cannot be rendered is an error instead of being left to the helm phase.
    """
    if resolve is None:
        resolve = mapper_for(ctx.kube()).find
    seen: set[tuple[str, str, str, str | None, str | None]] = set()
    ordered: list[Need] = []
    for need in _all(ctx, resolve, strict):
        if need.key not in seen:
            seen.add(need.key)
            ordered.append(need)
    return ordered


def lock_needs() -> list[Need]:
    """What taking and renewing the environment lock (a Lease) uses."""
    return [
        Need(verb, "leases", "coordination.k8s.io", LOCK_NAMESPACE, "lock", why="the lock")
        for verb in ("get", "create", "update")
    ]


def _all(ctx: PipelineContext, resolve: Resolver, strict: bool) -> Iterator[Need]:
    yield from lock_needs()
    releases = ctx.plan.releases
    if releases:
        yield Need("list", "namespaces", "", None, "preflight", why="which namespaces exist")
    for namespace in sorted({r.namespace for r in releases}):
        why = "releases stuck in pending-*"
        yield Need("list", "secrets", "", namespace, "preflight", why=why)
    # Rendering is a foreign call that releases the GIL: a few at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        renders = list(pool.map(lambda r: _rendered(ctx, r.key, strict), releases))
    crds = crd_resources(m for docs, manifests in renders for m in (*docs, *manifests))
    for release, (crd_docs, manifests) in zip(releases, renders, strict=True):
        yield from _release_needs(
            ctx, release.key, release.tier, crd_docs, manifests, resolve, crds
        )
    if releases:
        for verb, resource, group in AUDIT_LISTS:
            yield Need(verb, resource, group, None, "security", why="the live audit")
    yield from _tests_needs(ctx)
    for verb, why in (("create", "record the run"), ("list", "prune old runs")):
        yield Need(verb, "configmaps", "", LOCK_NAMESPACE, "record", why=why)
    for verb, why in (("update", "re-record a run"), ("delete", "prune old runs")):
        standby = STANDBY[("record", verb)]
        yield Need(verb, "configmaps", "", LOCK_NAMESPACE, "record", why=why, standby=standby)
    for namespace in sorted({r.namespace for r in releases}):
        for verb, resource, group in DRIFT_LISTS:
            yield Need(verb, resource, group, namespace, "drift", why="objects left behind")


def _tests_needs(ctx: PipelineContext) -> Iterator[Need]:
    """What the environment's integration tests read (a stack without tests reads nothing)."""
    if not ctx.stack.file.tests:  # nothing to read, and no need to load the tests' models
        return
    from unideploy.config.tests_model import parse_tests
    from unideploy.execute.phases.rbac_tests import needs_of_tests

    cases = parse_tests(ctx.stack).select(ctx.environment, ())
    for need in needs_of_tests(cases):
        yield Need(need.verb, need.resource, need.group, need.namespace, "tests", None, need.why)


def _release_needs(
    ctx: PipelineContext,
    key: str,
    tier: str,
    crd_docs: Sequence[Manifest],
    manifests: Sequence[Manifest],
    resolve: Resolver,
    crds: Mapping[tuple[str, str], Resource],
) -> Iterator[Need]:
    phase = f"helm:{tier}"
    namespace = key.split("/", 1)[0]
    # Helm's install applies the namespace (server-side apply: a patch, by name).
    yield Need("patch", "namespaces", "", None, phase, key, "the release namespace", namespace)
    for verb in STORAGE_VERBS:
        standby = STANDBY.get(("storage", verb), "")
        yield Need(
            verb, "secrets", "", namespace, phase, key, "Helm release storage", None, standby
        )
    if crd_docs:
        for verb in CRD_WAIT_VERBS:
            why = "Helm waits for the chart's CRDs to be established"
            standby = STANDBY.get(("crd-wait", verb), "")
            crds_group = "apiextensions.k8s.io"
            yield Need(
                verb, "customresourcedefinitions", crds_group, None, phase, key, why, None, standby
            )
    for crd in crd_docs:
        crd_name = str((crd.get("metadata") or {}).get("name", ""))
        for verb in CRD_VERBS:
            yield Need(
                verb,
                "customresourcedefinitions",
                "apiextensions.k8s.io",
                None,
                phase,
                key,
                "the chart's crds/",
                name=crd_name,
            )
    for manifest in manifests:
        api_version = str(manifest.get("apiVersion", ""))
        kind = str(manifest.get("kind", ""))
        served = resolve(api_version, kind) or crds.get((api_version, kind))
        if served is None:
            LOG.warning(
                "%s renders %s %s, which neither the server nor the run serves",
                key,
                api_version,
                kind,
            )
            continue
        meta = manifest.get("metadata") or {}
        where = (str(meta.get("namespace") or namespace)) if served.namespaced else None
        for verb in OBJECT_VERBS:
            standby = STANDBY.get(("objects", verb), "")
            yield Need(
                verb,
                served.plural,
                served.group,
                where,
                phase,
                key,
                f"{kind} objects",
                None,
                standby,
            )
        for verb, resource, name, scoped in rbac_grants(manifest):
            yield Need(
                verb,
                resource,
                "rbac.authorization.k8s.io",
                where if scoped else None,
                phase,
                key,
                "the chart ships RBAC",
                name=name,
                standby=STANDBY[("rbac", verb)],
            )
    for resource, group in readiness_lists(manifests):
        yield Need("list", resource, group, namespace, phase, key, "readiness")


def _rendered(
    ctx: PipelineContext, key: str, strict: bool
) -> tuple[tuple[Manifest, ...], tuple[Manifest, ...]]:
    try:
        _, _, rendered = render_release(ctx, ctx.stack.release(key))
    except UnideployError as exc:
        if strict:
            raise
        LOG.debug("cannot render %s for the RBAC check: %s", key, exc)
        return (), ()
    # Hooks too: Helm creates them, and deletes them as their delete policy says.
    return tuple(rendered.crds), (*rendered.manifests, *rendered.hooks)

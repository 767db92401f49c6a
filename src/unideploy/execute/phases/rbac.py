"""The permissions a deploy needs, as (verb, resource, group, namespace) for access reviews.

Derived from the plan: Helm's release storage (Secrets) per namespace, namespaces to create, the
environment lock (Lease) and the run record (ConfigMap), plus create/patch/delete on the kinds the
charts render. Rendering failures are left to the helm phase to report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from unideploy.engines.kube.client import CLUSTER_SCOPED, plural
from unideploy.errors import UnideployError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import render_release

LOG = logging.getLogger("unideploy.preflight")
LOCK_NAMESPACE = "unideploy-system"
Access = tuple[str, str, str, str | None]


def required_access(ctx: PipelineContext) -> Iterator[Access]:
    """Every (verb, resource, group, namespace) the run will use, without duplicates."""
    seen: set[Access] = set()
    for access in _all(ctx):
        if access not in seen:
            seen.add(access)
            yield access


def _all(ctx: PipelineContext) -> Iterator[Access]:
    yield ("create", "leases", "coordination.k8s.io", LOCK_NAMESPACE)
    yield ("update", "leases", "coordination.k8s.io", LOCK_NAMESPACE)
    yield ("create", "configmaps", "", LOCK_NAMESPACE)
    if not ctx.plan.releases:
        return
    yield ("create", "namespaces", "", None)
    # Rendering is a foreign call that releases the GIL: a few at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        kinds = list(pool.map(lambda r: _rendered_kinds(ctx, r.key), ctx.plan.releases))
    for release, rendered_kinds in zip(ctx.plan.releases, kinds, strict=True):
        for verb in ("get", "list", "create", "update", "delete"):
            yield (verb, "secrets", "", release.namespace)
        for api_version, kind in rendered_kinds:
            group = api_version.split("/")[0] if "/" in api_version else ""
            namespace = None if kind in CLUSTER_SCOPED else release.namespace
            for verb in ("create", "patch", "delete"):
                yield (verb, plural(kind), group, namespace)


def _rendered_kinds(ctx: PipelineContext, name: str) -> set[tuple[str, str]]:
    try:
        _, _, rendered = render_release(ctx, ctx.stack.release(name))
    except UnideployError as exc:
        LOG.debug("cannot render %s for the RBAC check: %s", name, exc)
        return set()
    return {(str(m.get("apiVersion", "")), str(m.get("kind", ""))) for m in rendered.manifests}

"""The permissions a deploy needs, as (verb, resource, group, namespace) for access reviews.

Derived from the plan: Helm's release storage (Secrets) per namespace, namespaces to create, the
environment lock (Lease) and the run record (ConfigMap), plus create/patch/delete on the kinds the
charts render. Rendering failures are left to the helm phase to report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from unideploy.engines.kube.discovery import Resource, resource
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
    defined = {key: found for rendered in kinds for key, found in rendered[1].items()}
    for release, (rendered_kinds, _) in zip(ctx.plan.releases, kinds, strict=True):
        for verb in ("get", "list", "create", "update", "delete"):
            yield (verb, "secrets", "", release.namespace)
        for api_version, kind in rendered_kinds:
            served = resource(ctx.kube(), api_version, kind) or defined.get((api_version, kind))
            if served is None:
                LOG.debug("%s %s is neither served nor defined by the plan", api_version, kind)
                continue
            namespace = release.namespace if served.namespaced else None
            for verb in ("create", "patch", "delete"):
                yield (verb, served.plural, served.group, namespace)


Kinds = tuple[set[tuple[str, str]], dict[tuple[str, str], Resource]]


def _rendered_kinds(ctx: PipelineContext, name: str) -> Kinds:
    """The (apiVersion, kind) pairs a release renders, and the resources its CRDs define."""
    try:
        _, _, rendered = render_release(ctx, ctx.stack.release(name))
    except UnideployError as exc:
        LOG.debug("cannot render %s for the RBAC check: %s", name, exc)
        return set(), {}
    pairs = {(str(m.get("apiVersion", "")), str(m.get("kind", ""))) for m in rendered.manifests}
    return pairs, defined_resources(rendered.manifests)


def defined_resources(manifests: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Resource]:
    """The resources the CustomResourceDefinitions among `manifests` will serve, by version."""
    found: dict[tuple[str, str], Resource] = {}
    for crd in manifests:
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        kind, plural = str(names.get("kind", "")), str(names.get("plural", ""))
        namespaced = spec.get("scope", "Namespaced") == "Namespaced"
        for version in spec.get("versions") or ():
            api_version = f"{spec.get('group')}/{version.get('name')}"
            found[(api_version, kind)] = Resource(api_version, kind, plural, namespaced)
    return found

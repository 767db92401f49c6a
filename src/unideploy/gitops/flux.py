"""Flux rendering: sources, one HelmRelease per release, one Kustomization per tier for a cluster.

Pure: DesiredState + GitTarget in, `{path: [objects]}` out. Layout: `flux/clusters/<cluster>/`
(bootstrap Flux with `--path` pointing there) holds the sources and the tier Kustomizations;
`flux/tiers/<tier>/` holds the HelmReleases. Kustomizations use `kustomize.toolkit.fluxcd.io/v1`.
"""

from __future__ import annotations

from typing import Any

from unideploy.config.ignore import IgnoreRule
from unideploy.gitops.files import Files
from unideploy.gitops.layout import (
    GitTarget,
    chart_source,
    labels,
    needs_keys,
    object_names,
)
from unideploy.service.desired import DesiredRelease, DesiredState

NAMESPACE = "flux-system"
HELM_API = "helm.toolkit.fluxcd.io/v2"
SOURCE_API = "source.toolkit.fluxcd.io/v1"
# The seed's example used kustomize.toolkit.fluxcd.io/v1beta2 with `validation: client`; the current
# Kustomization CRD serves only v1, which has no `validation` field (the server validates on apply).
KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1"
#: Reconcile every 10 min (the seed's interval); a tier may take the Helm sync timeout (600 s).
INTERVAL = "10m"
TIER_TIMEOUT = "10m"
RETRY_INTERVAL = "1m"
#: Failed installs/upgrades are retried as often as Argo CD's sync retry limit (5).
RETRIES = 5


def render_flux(
    state: DesiredState,
    target: GitTarget,
    cluster: str,
    rules: tuple[IgnoreRule, ...] = (),
) -> Files:
    """The Flux objects of `state` for the cluster directory `cluster`."""
    names = object_names(state)
    repo = _git_repository(state, target)
    sources: list[dict[str, Any]] = [repo]
    helm_repos: dict[str, str] = {}
    for item in state.releases:
        source = chart_source(item, target)
        if source.kind != "git" and source.url not in helm_repos:
            helm_repos[source.url] = _repo_name(source.url, len(helm_repos))
            sources.append(_helm_repository(state, helm_repos[source.url], source.url, source.kind))
    files: Files = {f"flux/clusters/{cluster}/sources.yaml": sources}
    kustomizations = []
    previous: str | None = None
    for tier in state.context.plan.tiers:
        members = [item for item in state.releases if item.release.tier == tier.name]
        if not members:
            continue
        for item in members:
            release = _helm_release(item, state, target, names, repo, helm_repos, rules)
            files[f"flux/tiers/{tier.name}/{names[item.key]}.yaml"] = [release]
        kustomizations.append(_tier(state, target, tier.name, members, names, previous))
        previous = tier.name
    files[f"flux/clusters/{cluster}/tiers.yaml"] = kustomizations
    return files


def _git_repository(state: DesiredState, target: GitTarget) -> dict[str, Any]:
    return git_repository(state.stack.file.name, labels(state), target)


def git_repository(name: str, tags: dict[str, str], target: GitTarget) -> dict[str, Any]:
    """The GitRepository the Kustomizations and git charts read (bootstrap writes it too)."""
    return {
        "apiVersion": SOURCE_API,
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": dict(tags)},
        "spec": {"interval": INTERVAL, "url": target.url, "ref": {"branch": target.revision}},
    }


def _helm_repository(state: DesiredState, name: str, url: str, kind: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": INTERVAL, "url": url}
    if kind == "oci":
        spec["type"] = "oci"
    return {
        "apiVersion": SOURCE_API,
        "kind": "HelmRepository",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels(state)},
        "spec": spec,
    }


def _repo_name(url: str, index: int) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    cleaned = "".join(c if c.isalnum() else "-" for c in host.lower()).strip("-")
    return f"{cleaned[:50] or 'charts'}-{index + 1}"


def _helm_release(
    item: DesiredRelease,
    state: DesiredState,
    target: GitTarget,
    names: dict[str, str],
    repo: dict[str, Any],
    helm_repos: dict[str, str],
    rules: tuple[IgnoreRule, ...],
) -> dict[str, Any]:
    source = chart_source(item, target)
    chart: dict[str, Any] = {"interval": INTERVAL}
    if source.kind == "git":
        chart.update(
            chart=f"./{source.chart}",
            reconcileStrategy="Revision",
            sourceRef={"kind": "GitRepository", "name": repo["metadata"]["name"]},
        )
    else:
        chart.update(
            chart=source.chart,
            version=str(source.version),
            sourceRef={"kind": "HelmRepository", "name": helm_repos[source.url]},
        )
    timeout = f"{item.release.timeout}s"
    spec: dict[str, Any] = {
        "interval": INTERVAL,
        "timeout": timeout,
        "releaseName": item.release.name,
        "targetNamespace": item.release.namespace,
        # Helm's release records stay in the release's namespace, as with `unideploy deploy`.
        "storageNamespace": item.release.namespace,
        "chart": {"spec": chart},
        "install": {"createNamespace": True, "remediation": {"retries": RETRIES}},
        "upgrade": {"remediation": {"retries": RETRIES, "remediateLastFailure": True}},
        "values": dict(item.values),
    }
    depends = [{"name": names[key]} for key in needs_keys(item) if key in names]
    if depends:
        spec["dependsOn"] = depends
    # Hand edits of the release's objects are reverted at the next reconcile, as `drift` says;
    # the stack's ignore rules are the fields left alone.
    spec["driftDetection"] = {"mode": "enabled"}
    ignore = [
        {"paths": list(rule.json_pointers), "target": _target(rule)}
        for rule in rules
        if rule.json_pointers
    ]
    if ignore:
        spec["driftDetection"]["ignore"] = ignore
    return {
        "apiVersion": HELM_API,
        "kind": "HelmRelease",
        "metadata": {
            "name": names[item.key],
            "namespace": NAMESPACE,
            "labels": labels(state, item.release.tier),
        },
        "spec": spec,
    }


def _target(rule: IgnoreRule) -> dict[str, str]:
    selector = {"kind": rule.kind, "group": rule.group, "name": rule.name}
    selector["namespace"] = rule.namespace
    return {key: value for key, value in selector.items() if value}


def _tier(
    state: DesiredState,
    target: GitTarget,
    tier: str,
    members: list[DesiredRelease],
    names: dict[str, str],
    previous: str | None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": INTERVAL,
        "retryInterval": RETRY_INTERVAL,
        "timeout": TIER_TIMEOUT,
        "sourceRef": {"kind": "GitRepository", "name": state.stack.file.name},
        "path": "./" + target.repo_path(target.out_path, "flux", "tiers", tier),
        "prune": True,
        "healthChecks": [
            {
                "apiVersion": HELM_API,
                "kind": "HelmRelease",
                "name": names[item.key],
                "namespace": NAMESPACE,
            }
            for item in members
        ],
    }
    if previous is not None:
        spec["dependsOn"] = [{"name": f"{state.stack.file.name}-{previous}"}]
    return {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "metadata": {
            "name": f"{state.stack.file.name}-{tier}",
            "namespace": NAMESPACE,
            "labels": labels(state, tier),
        },
        "spec": spec,
    }

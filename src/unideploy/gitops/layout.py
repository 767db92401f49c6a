"""What every GitOps rendering shares: where the repository is, object names, waves, chart sources.

Pure: takes the DesiredState and a GitTarget, returns names and references. The Argo CD and Flux
renderers build their objects from these so both flavours agree on names and order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from unideploy.service.desired import DesiredRelease, DesiredState

#: Labels on every generated GitOps object; `gitops status` finds ours by them.
PART_OF = "app.kubernetes.io/part-of"
ENVIRONMENT_LABEL = "unideploy.io/environment"
TIER_LABEL = "unideploy.io/tier"
IN_CLUSTER = "https://kubernetes.default.svc"


@dataclass(frozen=True)
class GitTarget:
    """The Git repository the controllers pull from.

    `chart_root` is the stack directory's path inside the repository (local chart paths are
    relative to it); `out_path` is where the rendering is committed inside the repository.
    With `chart_repo` (a Helm chart repository's URL), local charts are taken from there by the
    name and version `local_charts` gives for their path (gitops.chartrepo), not from Git.
    """

    url: str
    revision: str
    chart_root: str
    out_path: str
    chart_repo: str | None = None
    local_charts: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def repo_path(self, *parts: str) -> str:
        """A path inside the repository, normalised, without a leading `./`."""
        joined = PurePosixPath(*[p for p in parts if p and p != "."])
        return str(joined) if str(joined) != "." else ""


@dataclass(frozen=True)
class ChartSource:
    """Where a release's chart comes from, in the terms both controllers use."""

    kind: str  # git | helm | oci
    url: str  # the Git repository, the Helm repository, or oci://host/path (parent of the chart)
    chart: str  # path in the Git repository, or the chart's name
    version: str | None


def chart_source(item: DesiredRelease, target: GitTarget) -> ChartSource:
    """The chart reference of `item` for a controller pulling from `target`."""
    chart = item.release.chart
    if chart.path is not None and target.chart_repo is not None:
        name, version = target.local_charts[chart_tree_path(chart.path)]
        return ChartSource("helm", target.chart_repo, name, version)
    if chart.path is not None:
        return ChartSource("git", target.url, target.repo_path(target.chart_root, chart.path), None)
    if chart.repo is not None:
        return ChartSource("helm", chart.repo, str(chart.name), chart.version)
    reference = str(chart.oci)
    parent, _, name = reference.rpartition("/")
    return ChartSource("oci", parent, name, chart.version)


def chart_tree_path(path: str) -> str:
    """A local chart's path relative to stack.yaml, normalised (`./charts/a/` is `charts/a`)."""
    return str(PurePosixPath(path.replace("\\", "/")))


def object_names(state: DesiredState) -> dict[str, str]:
    """One controller-side name per release: its own name, or namespace-name when shared."""
    counts = Counter(item.release.name for item in state.releases)
    return {
        item.key: item.release.name
        if counts[item.release.name] == 1
        else f"{item.release.namespace}-{item.release.name}"
        for item in state.releases
    }


def global_waves(state: DesiredState) -> dict[str, int]:
    """A wave per release across the whole stack: tier by tier, then by `needs` inside a tier."""
    waves: dict[str, int] = {}
    base = 0
    for tier in state.context.plan.tiers:
        for planned in tier.releases:
            waves[planned.key] = base + planned.wave
        base += max((planned.wave for planned in tier.releases), default=0)
    return waves


def labels(state: DesiredState, tier: str | None = None) -> dict[str, str]:
    """The labels every generated object carries."""
    result = {PART_OF: state.stack.file.name, ENVIRONMENT_LABEL: state.environment}
    if tier is not None:
        result[TIER_LABEL] = tier
    return result


def needs_keys(item: DesiredRelease) -> list[str]:
    """The namespace/name keys of the releases `item` needs."""
    return [
        need if "/" in need else f"{item.release.namespace}/{need}" for need in item.planned.needs
    ]

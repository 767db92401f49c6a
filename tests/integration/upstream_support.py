"""Helpers for the upstream-chart sandbox tests: stacks of fixture charts, Helm's own records.

A stack is written into a temporary directory with its charts copied under `charts/`; the
umbrella chart's archived subchart is packaged there by the Helm SDK from its fixture source,
so no binary is needed in the repository. Helm's release manifest is read from the release
Secret Helm stored (what `helm get manifest` prints), parsed as plain YAML documents.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import helm_python as hp
import yaml
from tests.integration.helm_support import stored_release
from tests.integration.sandbox_cluster import Cluster

REPO = Path(__file__).resolve().parents[2]
CHARTS = REPO / "tests" / "fixtures" / "helm"
#: A line of Go's klog (`I1204 12:00:00.000000 …`) or Go's log (`2026/12/04 12:00:00 …`).
GO_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6}\s|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )"
)
HELM_RELEASE = "meta.helm.sh/release-name"
HELM_NAMESPACE = "meta.helm.sh/release-namespace"


def write_stack(target: Path, cluster: Cluster, namespace: str, **charts: str) -> Path:
    """A stack in `target` releasing each fixture chart (release=chart) in `namespace`."""
    target.mkdir(parents=True)
    releases = []
    for release, chart in charts.items():
        if not (target / "charts" / chart).exists():
            shutil.copytree(CHARTS / chart, target / "charts" / chart)
        releases.append(
            f"  - name: {release}\n    namespace: {namespace}\n"
            f"    chart: {{path: charts/{chart}}}\n    tier: apps\n    timeout: 60\n"
        )
    if "umbrella" in charts.values():
        package_archived_subchart(target / "charts" / "umbrella")
    (target / "values.yaml").write_text("{}\n")
    (target / "stack.yaml").write_text(
        "apiVersion: unideploy.io/v1\nname: upstream\ntiers: [apps]\nenvironments:\n"
        "  development:\n    values: [values.yaml]\n"
        f"    cluster: {{kubeconfig: {cluster.kubeconfig}, context: unideploy-sandbox}}\n"
        "releases:\n" + "".join(releases)
    )
    return target


def package_archived_subchart(umbrella: Path) -> Path:
    """Replace umbrella's `charts/extras-*.tgz` by one the Helm SDK packages from its source."""
    for old in (umbrella / "charts").glob("extras-*.tgz"):
        old.unlink()
    archive = Path(hp.package(CHARTS / "extras", destination=umbrella / "charts"))
    assert archive.name == "extras-0.3.0.tgz", archive
    assert not (umbrella / "Chart.lock").exists(), "the umbrella must load without a Chart.lock"
    assert not (umbrella / "charts" / "extras").exists(), "extras must be present only archived"
    return archive


def helm_manifest(sandbox: Cluster, namespace: str, release: str, revision: int = 1) -> list[Any]:
    """The objects of the manifest Helm stored for `release` (`helm get manifest`)."""
    stored = stored_release(sandbox, namespace, f"sh.helm.release.v1.{release}.v{revision}")
    return [doc for doc in yaml.safe_load_all(stored["manifest"]) if doc is not None]


def helm_dry_run(chart: Path, release: str, namespace: str, values: dict[str, Any]) -> list[Any]:
    """The objects of the Helm SDK's client-side dry-run install (no cluster, memory storage)."""
    cfg = hp.Config(storage_driver="memory", namespace=namespace, kubeconfig_path="/nonexistent")
    try:
        with hp.Chart.load(chart) as loaded:
            done = cfg.install(loaded, release, values, namespace=namespace, dry_run="client")
    finally:
        cfg.close()
    return [doc for doc in yaml.safe_load_all(done["manifest"]) if doc is not None]


def identity(obj: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, name): these releases hold objects in their namespace or cluster-wide only."""
    return (str(obj.get("kind")), str(obj["metadata"]["name"]))


def release_objects(sandbox: Cluster, namespace: str, release: str) -> list[dict[str, Any]]:
    """Every live object, of any listable kind, that Helm marks as belonging to `release`."""
    kinds = sandbox.kubectl("api-resources", "--verbs=list", "-o", "name").stdout.split()
    listed = sandbox.get_json(",".join(kinds), "--all-namespaces")["items"]
    return [
        obj
        for obj in listed
        if (obj["metadata"].get("annotations") or {}).get(HELM_RELEASE) == release
        and obj["metadata"]["annotations"].get(HELM_NAMESPACE) == namespace
    ]


def contained(expected: Any, live: Any, at: str = "") -> Iterator[str]:
    """Paths where `live` lacks or differs from a field of `expected` (the server may add more)."""
    if isinstance(expected, Mapping):
        if not isinstance(live, Mapping):
            yield f"{at}: {live!r} is not a mapping"
            return
        for key, value in expected.items():
            if key not in live:
                yield f"{at}.{key}: missing"
            else:
                yield from contained(value, live[key], f"{at}.{key}")
    elif isinstance(expected, list):
        if not isinstance(live, list) or len(live) != len(expected):
            yield f"{at}: {live!r} != {expected!r}"
            return
        for index, (want, got) in enumerate(zip(expected, live, strict=True)):
            yield from contained(want, got, f"{at}[{index}]")
    elif expected != live:
        yield f"{at}: {live!r} != {expected!r}"


def keys(node: Any) -> Iterator[str]:
    """Every mapping key anywhere in `node`."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            yield from (str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)

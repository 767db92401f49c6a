"""A chart's declared dependencies against the subcharts it ships: fetch only what is missing.

Helm's rule (action.CheckDependencies): a dependency in `Chart.yaml` is satisfied by any subchart
of that name loaded from `charts/`, unpacked directory or `.tgz` archive, whatever its repository
or the state `helm dependency list` reports ("unpacked", "wrong version"). Only a dependency with
no such subchart is fetched: at the version `Chart.lock` pins, from a `file://` path next to the
chart or from a repository the stack itself declares, never from anywhere else. Used by
`helm_charts` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.lib import hp
from unideploy.errors import EngineError


@dataclass(frozen=True)
class Dependency:
    """One entry of `Chart.yaml` `dependencies:` that no subchart in `charts/` satisfies."""

    name: str
    version: str
    repository: str


def missing_dependencies(chart: Path) -> list[Dependency]:
    """Declared dependencies with no loaded subchart of the same name (aliases share one copy)."""
    with hp.Chart.load(chart) as loaded:
        declared = loaded.metadata.get("dependencies") or []
        present = {str(dep.get("name")) for dep in loaded.dependencies}
    missing: dict[str, Dependency] = {}
    for dep in declared:
        name = str(dep.get("name", ""))
        if name and name not in present and name not in missing:
            missing[name] = Dependency(
                name, str(dep.get("version") or ""), str(dep.get("repository") or "")
            )
    return list(missing.values())


def _locked_versions(chart_dir: Path) -> dict[str, str] | None:
    """Name → version from `Chart.lock` (None when the chart has no lock)."""
    lock = chart_dir / "Chart.lock"
    if not lock.is_file():
        return None
    data = yaml.safe_load(lock.read_text()) or {}
    entries = (data.get("dependencies") or []) if isinstance(data, dict) else []
    return {str(e.get("name")): str(e.get("version")) for e in entries if isinstance(e, dict)}


def _same_repository(url: str, declared: tuple[str, ...]) -> bool:
    wanted = url.rstrip("/")
    return any(wanted == known.rstrip("/") for known in declared)


def fetch_missing(chart_dir: Path, spec: ReleaseSpec) -> list[str]:
    """Put every missing dependency into `chart_dir/charts/`; return the names fetched.

    Raises EngineError (nothing fetched) when a dependency is missing and the chart has no
    Chart.lock, or when its repository is neither `file://` nor declared by the stack.
    """
    missing = missing_dependencies(chart_dir)
    if not missing:
        return []
    names = ", ".join(dep.name for dep in missing)
    locked = _locked_versions(chart_dir)
    if locked is None:
        raise EngineError(
            f'release "{spec.name}": chart {chart_dir} lacks dependencies ({names}) '
            "and has no Chart.lock",
            hint="put the subcharts under charts/ (directory or .tgz), or run "
            "`helm dependency update` once and commit Chart.lock",
        )
    allowed = tuple(r for r in (spec.repo_url, *spec.repositories) if r)
    for dep in missing:
        repo = dep.repository
        if not repo.startswith("file://") and not _same_repository(repo, allowed):
            raise EngineError(
                f'release "{spec.name}": chart {chart_dir} lacks dependency {dep.name} '
                f"(not in charts/), and its repository {repo or '(none)'} is not one the "
                "stack declares",
                hint="put the subchart under charts/ (directory or .tgz), or declare a release "
                "from that repository in stack.yaml",
            )
    target = chart_dir / "charts"
    target.mkdir(exist_ok=True)
    for dep in missing:
        _fetch(chart_dir, dep, locked.get(dep.name) or dep.version, target, spec)
    return [dep.name for dep in missing]


def _fetch(chart_dir: Path, dep: Dependency, version: str, target: Path, spec: ReleaseSpec) -> None:
    repo = dep.repository
    options: dict[str, Any] = {"destination": target, "version": version or None}
    if repo.startswith("file://"):
        source = (chart_dir / repo.removeprefix("file://")).resolve()
        hp.package(source, destination=target)
    elif repo.startswith("oci://"):
        hp.pull(f"{repo.rstrip('/')}/{dep.name}", plain_http=spec.plain_http, **options)
    else:
        hp.pull(dep.name, repo_url=repo, plain_http=spec.plain_http, **options)

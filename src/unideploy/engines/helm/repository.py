"""A Helm chart repository on disk: package charts into it and index it, with the Helm SDK.

`gitops charts` and `gitops render --chart-repo` publish a stack's local charts here for Flux's
source-controller (or any Helm client) to fetch: `helm package` with a version of our choosing
(the chart's own plus its content digest, see gitops.chartrepo), then `helm repo index` over the
directory, kept entries merged from the index already there. A directory served as static files
is then a chart repository (Helm's own repository layout: index.yaml beside the archives).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unideploy.engines.helm.lib import hp
from unideploy.errors import EngineError

INDEX = "index.yaml"


def package_chart(chart_dir: Path, destination: Path, version: str) -> Path:
    """`helm package --version VERSION` of `chart_dir` into `destination`; the archive's path."""
    destination.mkdir(parents=True, exist_ok=True)
    try:
        return Path(hp.package(chart_dir, destination=destination, version=version))
    except hp.HelmError as error:
        raise EngineError(
            f"cannot package chart {chart_dir}: {_first_line(error)}",
            hint=f"check the chart with `helm lint {chart_dir}`",
        ) from error


def index_repository(directory: Path, base_url: str | None) -> dict[str, Any]:
    """`helm repo index [--url URL] --merge index.yaml` of `directory`; the index as a dict."""
    existing = directory / INDEX
    try:
        return hp.repo_index_generate(
            directory,
            base_url=base_url,
            merge=existing if existing.is_file() else None,
        )
    except hp.HelmError as error:
        raise EngineError(
            f"cannot index the chart repository {directory}: {_first_line(error)}",
            hint=f"remove the damaged {existing} (it is rebuilt from the archives)",
        ) from error


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

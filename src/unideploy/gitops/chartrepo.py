"""Local charts as a Helm chart repository: the versions the renderings name, and publishing them.

With `gitops render --chart-repo URL` a HelmRelease (or Argo CD Application) takes a local chart
by name and version from the chart repository at URL instead of by path from Git. A chart
repository serves a version once and for ever, and local charts change without their version
changing, so each is published as `<its version>+<content digest>` (build metadata, ignored by
SemVer precedence; Helm and source-controller pick an exact version string first): an edit is
a new version the controllers fetch, an unchanged chart is the same archive. `chart_versions`
gives the renderers those versions; `publish_charts` packages what the directory lacks and
re-indexes it (engines.helm.repository). Used by `gitops charts` and by `render --chart-repo`
(into the Flux sandbox's chart repository when it is `sandbox`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from unideploy.config.stack import Stack
from unideploy.errors import ConfigError
from unideploy.gitops.push import PushTarget, local_charts, redact_url

#: Hex digits of the content digest in a published version (48 bits: collisions do not occur
#: between the edits of one chart).
DIGEST_CHARS = 12
_SKIPPED_DIRS = {".git", "__pycache__"}
#: `--chart-repo sandbox`: the running Flux sandbox's own chart repository.
SANDBOX = "sandbox"


@dataclass(frozen=True)
class LocalChart:
    """One local chart as a chart repository holds it."""

    path: str  # relative to stack.yaml, as releases name it (normalised)
    source: Path
    name: str
    version: str  # `<Chart.yaml version>+<digest>`

    @property
    def archive(self) -> str:
        """The archive's file name, as `helm package` writes it."""
        return f"{self.name}-{self.version}.tgz"


@dataclass(frozen=True)
class Published:
    """What `publish_charts` did to the repository directory."""

    directory: Path
    url: str | None
    charts: tuple[LocalChart, ...]
    packaged: tuple[str, ...]  # archives written this time (the others were there already)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "repository": self.url,
            "directory": str(self.directory),
            "charts": [{"path": c.path, "name": c.name, "version": c.version} for c in self.charts],
            "packaged": list(self.packaged),
        }


def content_digest(chart_dir: Path) -> str:
    """SHA-256 over every file's path and bytes under `chart_dir` (sorted; .git left out)."""
    digest = hashlib.sha256()
    for path in sorted(chart_dir.rglob("*")):
        relative = path.relative_to(chart_dir)
        if not path.is_file() or _SKIPPED_DIRS.intersection(relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:DIGEST_CHARS]


def local_chart(path: str, source: Path) -> LocalChart:
    """Read `source`/Chart.yaml; raise ConfigError naming the file when it lacks name/version."""
    chart_file = source / "Chart.yaml"
    try:
        meta = yaml.safe_load(chart_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(
            f"{chart_file}: cannot read the chart's metadata: {error}",
            hint="a local chart published to a chart repository needs a valid Chart.yaml",
        ) from error
    name = meta.get("name") if isinstance(meta, dict) else None
    version = meta.get("version") if isinstance(meta, dict) else None
    if not name or not version:
        raise ConfigError(
            f"{chart_file}: Chart.yaml has no name or version",
            hint="set both: a chart repository serves charts by name and version",
        )
    separator = "." if "+" in str(version) else "+"
    return LocalChart(path, source, str(name), f"{version}{separator}{content_digest(source)}")


def chart_versions(stack: Stack) -> dict[str, LocalChart]:
    """Every local chart of the stack by its path relative to stack.yaml."""
    return {path: local_chart(path, source) for path, source in local_charts(stack).items()}


def publish_charts(charts: tuple[LocalChart, ...], directory: Path, url: str | None) -> Published:
    """Package each of `charts` (chart_versions) `directory` lacks, and re-index it."""
    directory.mkdir(parents=True, exist_ok=True)
    from unideploy.engines.helm.repository import index_repository, package_chart

    packaged: list[str] = []
    for chart in charts:
        if not (directory / chart.archive).is_file():
            package_chart(chart.source, directory, chart.version)
            packaged.append(chart.archive)
    index_repository(directory, url)
    return Published(directory, url, charts, tuple(packaged))


def resolve_chart_repo(
    chart_repo: str | None, flavor: str, target: PushTarget | None
) -> tuple[str | None, Path | None]:
    """The chart repository's URL for the renderings, and the directory to publish into.

    `sandbox` is the running Flux sandbox's chart repository (needs `--push` to that sandbox);
    any other value is the http(s) URL of a repository the user publishes to (`gitops charts`).
    """
    if chart_repo is None:
        return None, None
    if flavor == "manifests":
        raise ConfigError(
            "--chart-repo has no effect on a manifests rendering (it holds rendered objects)",
            hint="use --chart-repo with --flavor flux or argocd",
        )
    if chart_repo == SANDBOX:
        if target is None or not target.sandbox:
            raise ConfigError(
                "--chart-repo sandbox publishes to the chart repository of the running "
                "`sandbox up --gitops flux`, which only a --push to that sandbox reaches",
                hint="add --push (without --remote), or give a chart repository's URL and "
                "publish to it with `unideploy gitops charts --out DIR --url URL`",
            )
        if not target.charts_dir or not target.charts_url:
            raise ConfigError(
                "the running sandbox has no chart repository (it was started by an older "
                "unideploy)",
                hint="restart it: unideploy sandbox down && unideploy sandbox up --gitops flux",
            )
        return target.charts_url, Path(target.charts_dir)
    if not chart_repo.startswith(("http://", "https://")):
        raise ConfigError(
            f"--chart-repo {redact_url(chart_repo)} is not an http(s) URL",
            hint="a Helm chart repository's URL (https://charts.example.org), or `sandbox`",
        )
    return chart_repo.rstrip("/"), None

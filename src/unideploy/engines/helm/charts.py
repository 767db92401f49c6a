"""Resolve a release's chart reference to a local chart and its digest, pulling into a cache.

Local directories are digested by content; `.tgz` archives by Helm's archive digest. Charts from a
Helm repository or `oci://` are pulled once per pinned version into `<cache>/sha256/<hex>.tgz`,
checked against the repository index's digest, and found again offline through `<cache>/refs/`.
Subcharts shipped in `charts/` satisfy dependencies; only missing ones are fetched (`deps`).
Used by `helm_sdk` only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.deps import fetch_missing, missing_dependencies
from unideploy.engines.helm.errors import engine_error
from unideploy.engines.helm.lib import hp
from unideploy.errors import EngineError

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/unideploy/charts`, or `~/.cache/unideploy/charts`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unideploy" / "charts"


@dataclass(frozen=True)
class ResolvedChart:
    """A chart ready to load: where it is on disk, its digest, and whether the cache served it."""

    path: Path
    digest: str
    cached: bool = False


def directory_digest(root: Path) -> str:
    """`sha256:` over every file's relative path and bytes, in sorted order (stable across runs)."""
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".git") for part in path.relative_to(root).parts):
            continue
        sha.update(rel.encode() + b"\0")
        sha.update(path.read_bytes())
        sha.update(b"\0")
    return "sha256:" + sha.hexdigest()


class ChartCache:
    """Finds or fetches charts; one instance may serve several threads."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_cache_dir()
        self._lock = threading.Lock()
        # Local chart directories already prepared by this instance (one deploy): their digest.
        self._prepared: dict[Path, str] = {}

    def resolve(self, spec: ReleaseSpec) -> ResolvedChart:
        """Return the local chart for `spec`, pulling and caching remote charts by digest."""
        if not spec.is_remote:
            return self._local(spec)
        if not spec.version:
            raise EngineError(
                f'release "{spec.name}": chart {spec.chart_label} comes from a repository '
                "but has no version",
                hint="pin the chart's version so every run installs the same chart",
            )
        with self._lock:
            hit = self._lookup(spec)
            if hit is not None:
                return hit
            return self._pull(spec)

    # --- local charts -----------------------------------------------------------------------

    def _local(self, spec: ReleaseSpec) -> ResolvedChart:
        path = Path(spec.chart).expanduser()
        prepared = self._prepared.get(path)
        if prepared is not None:  # the releases sharing a chart directory: no stat, no lock
            return ResolvedChart(path, prepared)
        if not path.exists():
            raise EngineError(
                f'release "{spec.name}": chart path {spec.chart} does not exist',
                hint="paths are relative to the working directory; check the release's `chart`",
            )
        try:
            if path.is_dir():
                with self._lock:  # releases sharing a chart must not build its charts/ twice
                    digest = self._prepared.get(path)
                    if digest is None:
                        self._build_dependencies(path, spec)
                        digest = self._prepared[path] = directory_digest(path)
                return ResolvedChart(path, digest)
            digest = hp.digest(path)
            with self._lock:
                return ResolvedChart(self._with_dependencies(path, digest, spec), digest)
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "chart load") from exc

    def _build_dependencies(self, chart_dir: Path, spec: ReleaseSpec) -> None:
        """Fetch into `charts/` the declared dependencies no subchart there satisfies."""
        fetched = fetch_missing(chart_dir, spec)
        if fetched:
            log.info("chart %s: fetched missing dependencies %s", chart_dir, ", ".join(fetched))

    # --- remote charts ----------------------------------------------------------------------

    def _ref_file(self, spec: ReleaseSpec) -> Path:
        key = json.dumps([spec.repo_url, spec.chart, spec.version])
        return self.root / "refs" / (hashlib.sha256(key.encode()).hexdigest() + ".json")

    def blob(self, digest: str) -> Path:
        """Where the archive with `digest` lives in the cache."""
        return self.root / "sha256" / (digest.removeprefix("sha256:") + ".tgz")

    def _lookup(self, spec: ReleaseSpec) -> ResolvedChart | None:
        ref = self._ref_file(spec)
        if not ref.is_file():
            return None
        digest = str(json.loads(ref.read_text()).get("digest", ""))
        archive = self.blob(digest)
        if not archive.is_file() or hp.digest(archive) != digest:
            return None
        return ResolvedChart(self._with_dependencies(archive, digest, spec), digest, cached=True)

    def _pull(self, spec: ReleaseSpec) -> ResolvedChart:
        expected = self._index_digest(spec) if spec.repo_url is not None else None
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".pull-") as tmp:
            try:
                hp.pull(
                    spec.chart,
                    destination=tmp,
                    version=spec.version,
                    repo_url=spec.repo_url,
                    plain_http=spec.plain_http,
                )
            except hp.HelmError as exc:
                raise engine_error(exc, spec, "pull") from exc
            archives = sorted(Path(tmp).glob("*.tgz"))
            if len(archives) != 1:
                raise EngineError(
                    f'release "{spec.name}": pulling {spec.chart_label} gave '
                    f"{len(archives)} archives",
                    hint="check the chart reference",
                )
            digest = hp.digest(archives[0])
            if expected is not None and digest != expected:
                raise EngineError(
                    f'release "{spec.name}": chart {spec.chart_label} has digest {digest}, '
                    f"but the repository index says {expected}",
                    hint="the repository changed a published version; investigate before deploying",
                )
            target = self.blob(digest)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(archives[0]), target)
        ref = self._ref_file(spec)
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(json.dumps({"chart": spec.chart_label, "digest": digest}))
        return ResolvedChart(self._with_dependencies(target, digest, spec), digest)

    def _index_digest(self, spec: ReleaseSpec) -> str | None:
        assert spec.repo_url is not None
        try:
            index: dict[str, Any] = hp.repo_index(spec.repo_url)
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "repository index download") from exc
        entries = index.get("entries", {}).get(spec.chart, [])
        for entry in entries:
            if str(entry.get("version")) == spec.version:
                found = entry.get("digest")
                return f"sha256:{found}" if found else None
        known = ", ".join(str(e.get("version")) for e in entries[:8]) or "none"
        raise EngineError(
            f'release "{spec.name}": chart {spec.chart} version {spec.version} is not in '
            f"{spec.repo_url}/index.yaml (versions: {known})",
            hint="pin a version the repository publishes",
        )

    def _with_dependencies(self, archive: Path, digest: str, spec: ReleaseSpec) -> Path:
        """The archive itself, or an expanded copy with its missing dependencies fetched."""
        try:
            if not missing_dependencies(archive):
                return archive
            with hp.Chart.load(archive) as chart:
                name = chart.name
            expanded_root = self.root / "expanded" / digest.removeprefix("sha256:")
            chart_dir = expanded_root / name
            if not chart_dir.is_dir():
                expanded_root.mkdir(parents=True, exist_ok=True)
                hp.expand(expanded_root, archive)
            self._build_dependencies(chart_dir, spec)
            return chart_dir
        except hp.HelmError as exc:
            raise engine_error(exc, spec, "dependency build") from exc

"""Charts from a real Helm repository over HTTP: packaged, indexed, served, pulled by version.

The engine resolves `name + repo_url + version`, checks the archive against the index digest,
caches it by digest, finds it again without the network, and builds dependencies from Chart.lock.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import helm_python as hp
import pytest
from ruamel.yaml import YAML

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.errors import EngineError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "helm"


class Server(http.server.ThreadingHTTPServer):
    """A client hanging up (Helm at the end of a test) is not an error worth printing."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        _Quiet.requests.append(self.path)


class Repo:
    def __init__(self, root: Path, server: http.server.ThreadingHTTPServer) -> None:
        self.root = root
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"

    def publish(self, *chart_dirs: Path) -> dict[str, str]:
        """Package the charts into the served directory and regenerate index.yaml."""
        archives = {}
        for chart in chart_dirs:
            archive = hp.package(chart, destination=self.root)
            archives[Path(archive).name] = hp.digest(archive)
        hp.repo_index_generate(self.root, base_url=self.url)
        return archives


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    served = tmp_path / "repo"
    served.mkdir()
    handler = functools.partial(_Quiet, directory=str(served))
    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Quiet.requests = []
    try:
        yield Repo(served, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def cache(tmp_path: Path) -> ChartCache:
    return ChartCache(tmp_path / "cache")


def test_pull_by_name_and_version_renders_and_caches_by_digest(
    repo: Repo, cache: ChartCache
) -> None:
    archives = repo.publish(ROOT / "helm/charts/web-app", ROOT / "helm/charts/storage")
    digest = archives["web-app-0.1.0.tgz"]
    helm = SdkHelm(cache=cache)
    spec = ReleaseSpec("homepage", "apps", "web-app", version="0.1.0", repo_url=repo.url)

    rendered = helm.render(spec)

    assert rendered.chart_digest == digest
    assert rendered.kinds() == [
        "ServiceAccount/homepage",
        "Service/homepage",
        "Deployment/homepage",
    ]
    assert cache.blob(digest).is_file()
    assert hp.digest(cache.blob(digest)) == digest
    assert "/index.yaml" in _Quiet.requests and "/web-app-0.1.0.tgz" in _Quiet.requests


def test_a_cached_chart_is_used_without_the_repository(repo: Repo, cache: ChartCache) -> None:
    repo.publish(ROOT / "helm/charts/storage")
    spec = ReleaseSpec("longhorn", "longhorn-system", "storage", version="0.1.0", repo_url=repo.url)
    first = cache.resolve(spec)
    repo.server.shutdown()
    repo.server.server_close()

    again = cache.resolve(spec)
    rendered = SdkHelm(cache=cache).render(spec)

    assert not first.cached and again.cached
    assert again.digest == first.digest == rendered.chart_digest
    assert "StorageClass/longhorn" in rendered.kinds()


def test_unknown_version_lists_the_published_ones(repo: Repo, cache: ChartCache) -> None:
    repo.publish(ROOT / "helm/charts/web-app")
    spec = ReleaseSpec("x", "ns", "web-app", version="9.9.9", repo_url=repo.url)
    with pytest.raises(
        EngineError, match=r"version 9.9.9 is not in .*index.yaml \(versions: 0.1.0\)"
    ):
        SdkHelm(cache=cache).render(spec)


def test_an_archive_that_does_not_match_the_index_is_refused(
    repo: Repo, cache: ChartCache, tmp_path: Path
) -> None:
    repo.publish(ROOT / "helm/charts/web-app")
    # Republish different content under the same name and version, keeping the old index.
    altered = tmp_path / "altered" / "web-app"
    shutil.copytree(ROOT / "helm/charts/web-app", altered)
    (altered / "values.yaml").write_text((altered / "values.yaml").read_text() + "\nextra: 1\n")
    hp.package(altered, destination=repo.root)
    spec = ReleaseSpec("x", "ns", "web-app", version="0.1.0", repo_url=repo.url)
    with pytest.raises(EngineError, match="but the repository index says"):
        cache.resolve(spec)
    assert list(cache.root.glob("sha256/*.tgz")) == []


def test_dependencies_of_a_pulled_chart_are_built_from_its_lock(
    repo: Repo, cache: ChartCache, tmp_path: Path
) -> None:
    repo.publish(FIXTURES / "child")
    parent = tmp_path / "src" / "app"
    parent.mkdir(parents=True)
    yaml = YAML(typ="safe")
    meta = {
        "apiVersion": "v2",
        "name": "app",
        "version": "1.0.0",
        "dependencies": [{"name": "child", "version": "0.2.0", "repository": repo.url}],
    }
    with (parent / "Chart.yaml").open("w") as out:
        yaml.dump(meta, out)
    shutil.copytree(FIXTURES / "parent" / "templates", parent / "templates")
    hp.dependency_update(parent)
    assert (parent / "Chart.lock").is_file()
    shutil.rmtree(parent / "charts")
    # Helm refuses to package a chart whose dependency is missing, so archive it by hand: the
    # published chart carries Chart.lock but not the subchart.
    with tarfile.open(repo.root / "app-1.0.0.tgz", "w:gz") as archive:
        archive.add(parent, arcname="app")
    hp.repo_index_generate(repo.root, base_url=repo.url)

    rendered = SdkHelm(cache=cache).render(
        ReleaseSpec("fam", "ns", "app", version="1.0.0", repo_url=repo.url)
    )

    assert rendered.kinds() == ["ConfigMap/fam-child", "ConfigMap/fam-parent"]
    assert "/child-0.2.0.tgz" in _Quiet.requests

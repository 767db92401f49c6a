"""Local charts as a chart repository: content versions, Helm's package+index, the renderings.

The repository is built with the real Helm SDK (`helm package`, `helm repo index`) and read back
by it (`helm repo index` download, `helm pull`) from the sandbox's chart server on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tests.fixtures.crds.schemas import crd_errors
from tests.unit.test_gitops_sources import FakeHelm, _stack

from unideploy.cli import main as cli_main
from unideploy.config.load import load_stack
from unideploy.config.stack import Stack
from unideploy.engines.helm.lib import hp
from unideploy.errors import ConfigError
from unideploy.gitops.chartrepo import (
    LocalChart,
    chart_versions,
    local_chart,
    publish_charts,
    resolve_chart_repo,
)
from unideploy.gitops.push import PushTarget
from unideploy.gitops.render import RenderRequest, render
from unideploy.sandbox.ports import free_ports

CHARTS = "https://charts.example.test/platform"


def _chart(root: Path, version: str = "0.1.0") -> Path:
    chart = root / "charts" / "web"
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: web\nversion: {version}\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: '1'}\n"
    )
    return chart


def _charts(stack: Stack) -> tuple[LocalChart, ...]:
    return tuple(chart_versions(stack).values())


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_version_follows_the_content_and_nothing_else(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    first = local_chart("charts/web", chart)
    assert first.name == "web" and first.version.startswith("0.1.0+")
    assert first.archive == f"web-{first.version}.tgz"
    (chart / ".git").mkdir()
    (chart / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert local_chart("charts/web", chart).version == first.version  # .git is not content
    (chart / "templates" / "cm.yaml").write_text("kind: ConfigMap\n")
    edited = local_chart("charts/web", chart)
    assert edited.version.startswith("0.1.0+") and edited.version != first.version
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 2.0.0+build.7\n")
    assert local_chart("charts/web", chart).version.startswith("2.0.0+build.7.")


def test_chart_without_a_version_is_named(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\n")
    with pytest.raises(ConfigError) as caught:
        local_chart("charts/web", chart)
    assert str(chart / "Chart.yaml") in caught.value.message
    assert caught.value.hint is not None and "version" in caught.value.hint


def test_publish_packages_what_is_missing_and_indexes_with_helm(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    _chart(root)
    stack = load_stack(root / "stack.yaml")
    repo = tmp_path / "repo"
    first = publish_charts(_charts(stack), repo, CHARTS)
    (web,) = first.charts  # two releases share charts/web: one chart
    assert first.packaged == (web.archive,)
    with tarfile.open(repo / web.archive) as archive:
        meta = yaml.safe_load(archive.extractfile("web/Chart.yaml").read())
    assert meta["version"] == web.version  # Helm packaged it at the content version
    index = yaml.safe_load((repo / "index.yaml").read_text())
    (entry,) = index["entries"]["web"]
    assert entry["version"] == web.version
    assert entry["urls"] == [f"{CHARTS}/{web.archive}"]
    assert (
        publish_charts(_charts(stack), repo, CHARTS).packaged == ()
    )  # unchanged: nothing packaged
    (root / "charts/web/templates/cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: b}\n")
    third = publish_charts(_charts(load_stack(root / "stack.yaml")), repo, CHARTS)
    assert third.charts[0].version != web.version and len(third.packaged) == 1
    versions = {
        e["version"] for e in yaml.safe_load((repo / "index.yaml").read_text())["entries"]["web"]
    }
    assert versions == {web.version, third.charts[0].version}  # the old version stays served


def test_flux_and_argocd_take_local_charts_from_the_chart_repository(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    _chart(root)
    stack = load_stack(root / "stack.yaml")
    version = local_chart("charts/web", root / "charts/web").version
    common: dict[str, Any] = {
        "repo_url": "https://git.example.test/edge.git",
        "path_in_repo": "gitops",
    }
    flux = RenderRequest("staging", "flux", tmp_path / "out", chart_repo=CHARTS + "/", **common)
    render(stack, flux, helm=FakeHelm())
    release = _docs(tmp_path / "out/flux/tiers/apps/apps-web.yaml")[0]
    chart = release["spec"]["chart"]["spec"]
    assert (chart["chart"], chart["version"]) == ("web", version)
    assert chart["sourceRef"]["kind"] == "HelmRepository"
    sources = _docs(tmp_path / "out/flux/clusters/edge/sources.yaml")
    (repository,) = [s for s in sources if s["spec"]["url"] == CHARTS]
    assert chart["sourceRef"]["name"] == repository["metadata"]["name"]
    assert crd_errors(release) == [] and crd_errors(repository) == []
    argocd = RenderRequest("staging", "argocd", tmp_path / "out", chart_repo=CHARTS, **common)
    render(stack, argocd, helm=FakeHelm())
    app = _docs(tmp_path / "out/argocd/applications/apps-web.yaml")[0]
    source = app["spec"]["source"]
    assert (source["repoURL"], source["chart"], source["targetRevision"]) == (
        CHARTS,
        "web",
        version,
    )
    assert crd_errors(app) == []


@pytest.mark.parametrize(
    ("chart_repo", "flavor", "target", "said"),
    [
        (CHARTS, "manifests", None, "manifests"),
        ("sandbox", "flux", None, "--push"),
        ("sandbox", "flux", PushTarget("/r", "http://127.0.0.1:8070/s.git", "main", True), "older"),
        ("charts.example.test", "flux", None, "not an http(s) URL"),
    ],
)
def test_chart_repo_mistakes_are_refused_with_the_fix(
    chart_repo: str, flavor: str, target: PushTarget | None, said: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_chart_repo(chart_repo, flavor, target)
    assert said in caught.value.message + (caught.value.hint or "")
    assert caught.value.hint


def test_sandbox_chart_repo_is_the_sandbox_directory_and_url() -> None:
    target = PushTarget(
        "/s/gitops/sandbox.git", "http://127.0.0.1:8070/sandbox.git", "main", True,
        charts_dir="/s/gitops/charts", charts_url="http://127.0.0.1:8071",
    )  # fmt: skip
    assert resolve_chart_repo("sandbox", "flux", target) == (
        "http://127.0.0.1:8071",
        Path("/s/gitops/charts"),
    )


@pytest.fixture
def chart_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The sandbox's chart server on a free 127.0.0.1 port, serving tmp_path/served."""
    (port,) = free_ports(1)
    root, ready = tmp_path / "served", tmp_path / "ready"
    argv = [sys.executable, "-m", "unideploy.sandbox.chartserver", f"--root={root}"]
    server = subprocess.Popen([*argv, f"--port={port}", f"--ready={ready}"])
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert server.poll() is None and time.monotonic() < deadline, "no chart server"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", root
    finally:
        server.terminate()
        server.wait(10)


def test_helm_reads_and_pulls_from_the_sandbox_chart_server(
    tmp_path: Path, chart_server: tuple[str, Path]
) -> None:
    url, served = chart_server
    root = _stack(tmp_path)
    _chart(root)
    published = publish_charts(_charts(load_stack(root / "stack.yaml")), served, url)
    (web,) = published.charts
    index = hp.repo_index(url)  # Helm's own client, over HTTP
    assert [e["version"] for e in index["entries"]["web"]] == [web.version]
    (tmp_path / "pulled").mkdir()
    hp.pull("web", repo_url=url, version=web.version, destination=tmp_path / "pulled")
    pulled = tmp_path / "pulled" / web.archive
    assert pulled.read_bytes() == (served / web.archive).read_bytes()
    listing = subprocess.run(
        [sys.executable, "-c", f"import urllib.request as u; u.urlopen('{url}/')"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert "404" in listing.stderr  # no directory pages


def test_charts_command_reports_versions_as_json(tmp_path: Path) -> None:
    root = _stack(tmp_path)
    _chart(root)
    args = ["--stack", str(root), "gitops", "charts", "--out", str(tmp_path / "r"), "-o", "json"]
    done = CliRunner().invoke(cli_main.cli, [*args, "--url", CHARTS + "/"])
    assert done.exit_code == 0, done.output
    report = yaml.safe_load(done.output)
    (chart,) = report["charts"]
    assert report["repository"] == CHARTS and chart["path"] == "charts/web"
    assert report["packaged"] == [f"web-{chart['version']}.tgz"]
    assert (tmp_path / "r" / report["packaged"][0]).is_file()


def test_render_with_a_chart_repo_url_says_how_to_publish(tmp_path: Path) -> None:
    root = tmp_path / "local"  # local charts only: the real Helm SDK renders, offline
    _chart(root)
    (root / "stack.yaml").write_text(
        "apiVersion: unideploy.io/v1\nname: local\ntiers: [apps]\n"
        "environments: {staging: {values: [values.yaml]}}\n"
        "releases:\n  - {name: web, namespace: apps, chart: {path: charts/web}, tier: apps}\n"
    )
    (root / "values.yaml").write_text("web: {}\n")
    args = ["--stack", str(root), "gitops", "render", "-e", "staging", "--flavor", "flux"]
    args += ["--out", str(tmp_path / "out"), "--repo-url", "https://git.example.test/e.git"]
    args += ["--path-in-repo", "gitops", "--chart-repo", CHARTS]
    done = CliRunner().invoke(cli_main.cli, args)
    assert done.exit_code == 0, done.output
    assert f"unideploy gitops charts --out DIR --url {CHARTS}" in done.output

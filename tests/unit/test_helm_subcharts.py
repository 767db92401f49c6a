"""Subcharts shipped in `charts/` satisfy `Chart.yaml` dependencies exactly as Helm loads them.

The `umbrella` fixture declares five dependencies from a repository that does not exist; all are
present (unpacked directories and one `.tgz`), so nothing may be fetched. Conditions, tags,
aliases and import-values are checked against the Helm SDK's own install (client dry run).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest
import yaml
from tests.support.chart_repo import serving

from unideploy.engines.helm.charts import ChartCache, directory_digest
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.errors import EngineError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "helm"
UMBRELLA = FIXTURES / "umbrella"


@pytest.fixture
def helm(tmp_path: Path) -> SdkHelm:
    return SdkHelm(cache=ChartCache(tmp_path / "cache"))


@pytest.fixture
def umbrella(tmp_path: Path) -> Path:
    copy = tmp_path / "src" / "umbrella"
    shutil.copytree(UMBRELLA, copy)
    return copy


def helm_installs(chart: Path, values: dict[str, Any]) -> list[str]:
    """`Kind/name` of what the Helm SDK's own install (client dry run) puts in the manifest."""
    cfg = hp.Config(storage_driver="memory", namespace="ns", kubeconfig_path="/nonexistent")
    try:
        with hp.Chart.load(chart) as loaded:
            release = cfg.install(loaded, "rel", values, namespace="ns", dry_run="client")
    finally:
        cfg.close()
    docs = [d for d in yaml.safe_load_all(release["manifest"]) if d]
    return sorted(f"{d['kind']}/{d['metadata']['name']}" for d in docs)


def test_shipped_subcharts_render_without_any_repository(helm: SdkHelm, umbrella: Path) -> None:
    before = directory_digest(umbrella)
    rendered = helm.render(ReleaseSpec("rel", "ns", str(umbrella)))
    assert sorted(rendered.kinds()) == helm_installs(umbrella, {})
    assert "Service/rel-frontend" in rendered.kinds()  # alias + condition true
    assert "Service/rel-backend" not in rendered.kinds()  # same subchart, condition false
    assert "PodDisruptionBudget/rel-extras" in rendered.kinds()  # the .tgz subchart
    assert "Deployment/rel-optional" not in rendered.kinds()  # disabled by its tag
    assert directory_digest(umbrella) == before  # nothing fetched into charts/


@pytest.mark.parametrize(
    "values",
    [
        {"backend": {"enabled": True}, "frontend": {"enabled": False}},
        {"tags": {"extras": False, "optional": True}},
        {"frontend": {"port": 9090}, "extras": {"exports": {"palette": {"color": "red"}}}},
    ],
    ids=["aliases-swapped", "tags-swapped", "values-reach-alias-and-import"],
)
def test_conditions_tags_aliases_follow_helm(
    helm: SdkHelm, umbrella: Path, values: dict[str, Any]
) -> None:
    rendered = helm.render(ReleaseSpec("rel", "ns", str(umbrella), values=values))
    assert sorted(rendered.kinds()) == helm_installs(umbrella, values)


def test_import_values_reach_the_parent(helm: SdkHelm, umbrella: Path) -> None:
    rendered = helm.render(ReleaseSpec("rel", "ns", str(umbrella)))
    settings = next(m for m in rendered.manifests if m["metadata"]["name"] == "rel-settings")
    assert settings["data"] == {
        "settings": '{"level":"info"}',
        "palette": '{"palette":{"color":"blue"}}',
    }


def test_a_local_archive_with_its_subcharts_renders(helm: SdkHelm, tmp_path: Path) -> None:
    archive = hp.package(UMBRELLA, destination=tmp_path)
    rendered = helm.render(ReleaseSpec("rel", "ns", archive))
    assert sorted(rendered.kinds()) == helm_installs(UMBRELLA, {})


def test_only_what_is_really_missing_is_named(helm: SdkHelm, umbrella: Path) -> None:
    shutil.rmtree(umbrella / "charts" / "crdpack")
    with pytest.raises(EngineError) as caught:
        helm.render(ReleaseSpec("rel", "ns", str(umbrella)))
    assert "lacks dependencies (crdpack) and has no Chart.lock" in caught.value.render()


def _point_dependency(chart: Path, name: str, repository: str) -> None:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    for dep in meta["dependencies"]:
        if dep["name"] == name:
            dep["repository"] = repository
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    lock = {
        "dependencies": [
            {"name": d["name"], "version": d["version"], "repository": d["repository"]}
            for d in meta["dependencies"]
        ],
        "digest": "sha256:" + "0" * 64,
        "generated": "2026-01-01T00:00:00Z",
    }
    (chart / "Chart.lock").write_text(yaml.safe_dump(lock))


def test_a_missing_dependency_alone_is_fetched_from_a_declared_repository(
    helm: SdkHelm, umbrella: Path, tmp_path: Path
) -> None:
    shutil.move(umbrella / "charts" / "crdpack", tmp_path / "crdpack")
    with serving(tmp_path / "served") as repo:
        repo.publish(tmp_path / "crdpack")
        _point_dependency(umbrella, "crdpack", repo.url)
        repo.requests.clear()
        spec = ReleaseSpec("rel", "ns", str(umbrella), repositories=(repo.url + "/",))
        rendered = helm.render(spec)
    assert sorted(repo.requests) == ["/crdpack-0.1.0.tgz", "/index.yaml"]
    assert (umbrella / "charts" / "crdpack-0.1.0.tgz").is_file()
    assert sorted(rendered.kinds()) == helm_installs(umbrella, {})


def test_a_repository_the_stack_does_not_declare_is_never_contacted(
    helm: SdkHelm, umbrella: Path, tmp_path: Path
) -> None:
    shutil.move(umbrella / "charts" / "crdpack", tmp_path / "crdpack")
    with serving(tmp_path / "served") as repo:
        repo.publish(tmp_path / "crdpack")
        _point_dependency(umbrella, "crdpack", repo.url)
        repo.requests.clear()
        with pytest.raises(EngineError) as caught:
            helm.render(ReleaseSpec("rel", "ns", str(umbrella)))
    assert repo.requests == []
    text = caught.value.render()
    assert f"lacks dependency crdpack (not in charts/), and its repository {repo.url}" in text
    assert caught.value.hint and "charts/" in caught.value.hint

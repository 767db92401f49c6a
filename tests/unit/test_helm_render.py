"""Offline rendering: deterministic order, hooks apart, errors naming the release, no secrets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from unideploy.engines.helm.charts import ChartCache, directory_digest
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.render import images, split_and_sort
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.errors import EngineError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "helm"


@pytest.fixture
def helm(tmp_path: Path) -> SdkHelm:
    return SdkHelm(cache=ChartCache(tmp_path / "cache"))


def test_objects_come_in_install_order_and_hooks_apart(helm: SdkHelm) -> None:
    rendered = helm.render(ReleaseSpec("demo", "team", str(FIXTURES / "hooked")))
    assert rendered.kinds() == [
        "Namespace/team-extra",
        "ConfigMap/z-config",
        "Service/a-web",
        "Deployment/b-web",
    ]
    assert [h["metadata"]["name"] for h in rendered.hooks] == ["demo-test"]
    assert images(rendered.manifests) == ["registry.k8s.io/pause:3.10"]
    assert images(rendered.hooks) == ["busybox:1.36"]


def test_rendering_twice_gives_identical_results(helm: SdkHelm) -> None:
    spec = ReleaseSpec("demo", "team", str(FIXTURES / "hooked"))
    assert helm.render(spec) == helm.render(spec)


def test_order_does_not_depend_on_template_order() -> None:
    first = {
        "a.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
        "b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    }
    second = {"b.yaml": first["a.yaml"], "a.yaml": first["b.yaml"], "NOTES.txt": "hello"}
    assert split_and_sort(first, "r") == split_and_sort(second, "r")
    objects, _hooks = split_and_sort(first, "r")
    assert [o["kind"] for o in objects] == ["ConfigMap", "Service"]


def test_a_document_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(EngineError, match=r'release "r": template t.yaml renders something'):
        split_and_sort({"t.yaml": "just: data\n"}, "r")


def test_invalid_yaml_is_an_error_naming_the_template() -> None:
    with pytest.raises(EngineError, match=r"template bad.yaml renders invalid YAML"):
        split_and_sort({"bad.yaml": "kind: [unclosed\n"}, "r")


def test_render_failure_names_the_release_and_redacts_the_secret(helm: SdkHelm) -> None:
    secret = "hunter2-very-secret"
    spec = ReleaseSpec(
        "billing", "apps", str(FIXTURES / "broken"), values={"database": {"password": secret}}
    )
    with pytest.raises(EngineError) as caught:
        helm.render(spec)
    text = caught.value.render()
    assert 'helm render of release "billing" (namespace apps) failed' in text
    assert "cannot connect with password ***" in text
    assert secret not in text
    assert caught.value.hint and "values" in caught.value.hint
    assert caught.value.retryable is False


def test_listed_sensitive_strings_are_redacted_too(helm: SdkHelm) -> None:
    spec = ReleaseSpec(
        "billing",
        "apps",
        str(FIXTURES / "broken"),
        values={"database": {"password": "opaque-value-1"}},
        sensitive=("opaque-value-1",),
    )
    with pytest.raises(EngineError) as caught:
        helm.render(spec)
    assert "opaque-value-1" not in caught.value.render()


def test_the_same_chart_renders_once_fixed(helm: SdkHelm) -> None:
    spec = ReleaseSpec("billing", "apps", str(FIXTURES / "broken"), values={"ok": True})
    assert helm.render(spec).kinds() == ["ConfigMap/billing"]


def test_missing_chart_path_is_an_engine_error(helm: SdkHelm, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r'release "x": chart path .*nope does not exist'):
        helm.render(ReleaseSpec("x", "ns", str(tmp_path / "nope")))


def test_remote_chart_without_version_is_refused(helm: SdkHelm) -> None:
    spec = ReleaseSpec("x", "ns", "web-app", repo_url="http://127.0.0.1:9/charts")
    with pytest.raises(EngineError, match="has no version") as caught:
        helm.render(spec)
    assert caught.value.hint and "pin" in caught.value.hint


def test_dependencies_are_built_from_chart_lock(helm: SdkHelm, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "parent", tmp_path / "parent")
    shutil.copytree(FIXTURES / "child", tmp_path / "child")
    assert not (tmp_path / "parent" / "charts").exists()
    rendered = helm.render(ReleaseSpec("fam", "ns", str(tmp_path / "parent")))
    assert rendered.kinds() == ["ConfigMap/fam-child", "ConfigMap/fam-parent"]
    assert (tmp_path / "parent" / "charts" / "child-0.2.0.tgz").is_file()


def test_missing_dependency_without_lock_is_explained(helm: SdkHelm, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "parent", tmp_path / "parent")
    (tmp_path / "parent" / "Chart.lock").unlink()
    with pytest.raises(EngineError, match=r"lacks dependencies \(child\) and has no Chart.lock"):
        helm.render(ReleaseSpec("fam", "ns", str(tmp_path / "parent")))


def test_directory_digest_is_stable_and_tracks_content(tmp_path: Path) -> None:
    chart = tmp_path / "c"
    shutil.copytree(FIXTURES / "hooked", chart)
    first = directory_digest(chart)
    assert directory_digest(chart) == first
    (chart / "values.yaml").write_text("x: 1\n")
    assert directory_digest(chart) != first


def test_render_digest_matches_the_chart_directory(helm: SdkHelm) -> None:
    rendered = helm.render(ReleaseSpec("demo", "team", str(FIXTURES / "hooked")))
    assert rendered.chart_digest == directory_digest(FIXTURES / "hooked")
    assert (rendered.chart_name, rendered.chart_version) == ("hooked", "0.1.0")


def test_parallel_renders_of_one_chart_match_sequential_ones(helm: SdkHelm) -> None:
    from concurrent.futures import ThreadPoolExecutor

    specs = [
        ReleaseSpec(f"r{i}", "ns", str(FIXTURES / "hooked"), values={"i": i}) for i in range(8)
    ]
    sequential = [helm.render(spec) for spec in specs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(helm.render, specs))
    assert parallel == sequential
    assert len({r.release for r in parallel}) == 8


def test_values_may_be_read_only_mappings_and_tuples(helm: SdkHelm) -> None:
    from types import MappingProxyType

    values = MappingProxyType({"database": MappingProxyType({"password": "pw-1234"}), "l": (1, 2)})
    spec = ReleaseSpec("ro", "ns", str(FIXTURES / "broken"), values=values)
    assert spec.plain_values() == {"database": {"password": "pw-1234"}, "l": [1, 2]}
    with pytest.raises(EngineError, match=r"password \*\*\*"):
        helm.render(spec)

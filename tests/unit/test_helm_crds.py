"""CRDs from `crds/` folders: the chart's and its enabled subcharts', first in rendered manifests.

Which subcharts are enabled is Helm's decision: the `optional` subchart ships a CRD and a
Deployment, so the Helm SDK's own release manifest (client dry run) shows whether it is on.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest
import yaml

from unideploy.config.load import load_stack
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.gitops.render import RenderRequest, render

UMBRELLA = Path(__file__).resolve().parents[1] / "fixtures" / "helm" / "umbrella"


def helm_kinds(chart: Path, values: dict[str, Any]) -> set[str]:
    cfg = hp.Config(storage_driver="memory", namespace="ns", kubeconfig_path="/nonexistent")
    try:
        with hp.Chart.load(chart) as loaded:
            release = cfg.install(loaded, "rel", values, namespace="ns", dry_run="client")
    finally:
        cfg.close()
    return {
        f"{d['kind']}/{d['metadata']['name']}" for d in yaml.safe_load_all(release["manifest"]) if d
    }


@pytest.mark.parametrize(
    "values",
    [{}, {"tags": {"optional": True}}, {"crdpack": {"enabled": False}}],
    ids=["defaults", "optional-on", "crdpack-off"],
)
def test_crds_of_enabled_subcharts_only(tmp_path: Path, values: dict[str, Any]) -> None:
    rendered = SdkHelm(cache=ChartCache(tmp_path / "cache")).render(
        ReleaseSpec("rel", "ns", str(UMBRELLA), values=values)
    )
    names = [c["metadata"]["name"] for c in rendered.crds]
    assert names[0] == "widgets.example.com"  # the chart's own crds/ first
    optional_on = "Deployment/rel-optional" in helm_kinds(UMBRELLA, values)
    assert ("doodads.example.com" in names) is optional_on
    assert ("gizmos.example.com" in names) is (values.get("crdpack") != {"enabled": False})
    assert all(c["kind"] == "CustomResourceDefinition" for c in rendered.crds)
    assert not any(m["kind"] == "CustomResourceDefinition" for m in rendered.manifests)


def test_crds_of_an_archived_chart(tmp_path: Path) -> None:
    archive = hp.package(UMBRELLA, destination=tmp_path)
    rendered = SdkHelm(cache=ChartCache(tmp_path / "cache")).render(
        ReleaseSpec("rel", "ns", archive, values={"tags": {"optional": True}})
    )
    names = [c["metadata"]["name"] for c in rendered.crds]
    assert names[0] == "widgets.example.com"
    assert sorted(names[1:]) == ["doodads.example.com", "gizmos.example.com"]


STACK = """\
apiVersion: unideploy.io/v1
name: crds
tiers: [applications]
environments:
  development: {}
releases:
  - name: umbrella
    namespace: apps
    chart: {path: charts/umbrella}
    tier: applications
"""


def test_manifests_flavour_writes_crds_first(tmp_path: Path) -> None:
    root = tmp_path / "stack"
    shutil.copytree(UMBRELLA, root / "charts" / "umbrella")
    (root / "stack.yaml").write_text(STACK)
    (root / "environments" / "development").mkdir(parents=True)
    (root / "environments" / "development" / "values.yaml").write_text("{}\n")
    out = tmp_path / "out"

    render(load_stack(root / "stack.yaml"), RenderRequest("development", "manifests", out))

    release_dir = out / "manifests" / "apps" / "umbrella"
    files = sorted(p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*.yaml"))
    assert files[:2] == [
        "00-crds/gizmos.example.com.yaml",
        "00-crds/widgets.example.com.yaml",
    ]
    assert "00-crds/doodads.example.com.yaml" not in files
    assert "widget-umbrella-widget.yaml" in files  # the CR that needs the CRD is kept
    crd = yaml.safe_load((release_dir / "00-crds/widgets.example.com.yaml").read_text())
    assert crd["kind"] == "CustomResourceDefinition" and "namespace" not in crd["metadata"]

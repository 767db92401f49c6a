"""Our rendered object list equals the Helm SDK's own release manifest, chart by chart.

The oracle is Helm's install in client dry-run mode (no cluster, memory storage): the manifest it
records is what Helm would apply. Same objects (compared whole), same order of kinds.
"""

from __future__ import annotations

import json
import shutil
from itertools import groupby
from pathlib import Path
from typing import Any

import helm_python as hp
import pytest
import yaml

from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.engines.helm.split import split_manifests

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "helm"
#: Fixture charts that render with their defaults (`broken` fails on purpose; `child` is a
#: dependency of `parent`), plus the reference stack's own charts.
CHARTS = sorted(
    [p for p in FIXTURES.iterdir() if (p / "Chart.yaml").is_file() and p.name != "broken"]
    + [p for p in (ROOT / "helm" / "charts").iterdir() if (p / "Chart.yaml").is_file()]
)

#: Charts that generate a random value when nothing is given (a password kept through `lookup`):
#: given one, both renders are deterministic and comparable. `database` requires its password.
FIXED_VALUES: dict[str, dict[str, Any]] = {
    "irregular-kinds": {"generatedPassword": "cGFyaXR5"},
    "database": {"auth": {"password": "cGFyaXR5"}},
}


def helm_manifest(chart: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects of the Helm SDK's release manifest, in Helm's order."""
    cfg = hp.Config(storage_driver="memory", namespace="ns", kubeconfig_path="/nonexistent")
    try:
        with hp.Chart.load(chart) as loaded:
            release = cfg.install(loaded, "rel", values, namespace="ns", dry_run="client")
    finally:
        cfg.close()
    return [doc for doc in yaml.safe_load_all(release["manifest"]) if doc is not None]


def kind_runs(objects: list[dict[str, Any]]) -> list[str]:
    """The sequence of kinds with repeats collapsed: the install order of kinds."""
    return [kind for kind, _ in groupby(str(o.get("kind")) for o in objects)]


def canonical(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


@pytest.mark.parametrize("source", CHARTS, ids=[p.name for p in CHARTS])
def test_rendered_objects_equal_helms_release_manifest(source: Path, tmp_path: Path) -> None:
    work = tmp_path / "charts"
    shutil.copytree(source.parent, work, ignore=shutil.ignore_patterns("charts-cache"))
    chart = work / source.name
    values = FIXED_VALUES.get(source.name, {})
    rendered = SdkHelm(cache=ChartCache(tmp_path / "cache")).render(
        ReleaseSpec("rel", "ns", str(chart), values=values)
    )
    ours = list(rendered.manifests)
    theirs = helm_manifest(chart, dict(values))

    assert theirs, f"{source.name}: Helm renders nothing; the comparison would prove nothing"
    assert canonical(ours) == canonical(theirs)
    assert kind_runs(ours) == kind_runs(theirs)


TRICKY = {
    "comment-on-separator": "a: 1\n---# Permission to read\nb: 2\n",
    "separator-with-trailing-spaces": "a: 1\n---   \nb: 2\n",
    "content-on-separator-line": "a: 1\n--- c: 3\nb: 2\n",
    "indented-dashes-do-not-split": "a: |\n  x\n  ---\n  y\nb: 2\n",
    "leading-separator-and-blank-docs": "---\n\n---\na: 1\n---\n---\n",
    "comment-only-document": "a: 1\n---\n# nothing here\n---\nb: 2\n",
    "dashes-inside-block-scalar-at-column-0": "a: |\n  x\n---\nb: 2\n",
}


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_documents_split_as_helm_splits_them(text: str, tmp_path: Path) -> None:
    """A template rendering `text` verbatim: Helm's manifest holds exactly the documents we find."""
    chart = tmp_path / "split"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: split\nversion: 0.1.0\n")
    (chart / "templates" / "raw.yaml").write_text(text)
    cfg = hp.Config(storage_driver="memory", namespace="ns", kubeconfig_path="/nonexistent")
    try:
        with hp.Chart.load(chart) as loaded:
            manifest = cfg.install(loaded, "rel", {}, namespace="ns", dry_run="client")["manifest"]
    finally:
        cfg.close()
    # Helm writes each (trimmed) document as "---\n# Source: <template>\n<document>\n".
    helm_docs = [
        piece.rstrip("\n") for piece in manifest.split("---\n# Source: split/templates/raw.yaml\n")
    ]
    assert helm_docs[0] == ""
    assert split_manifests(text) == helm_docs[1:]

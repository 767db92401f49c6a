"""Which charts need Helm's server-side dry run: those whose templates call `lookup`."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

from unideploy.engines.helm.live import reads_cluster

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "helm"


def _archive(path: Path, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_a_chart_calling_lookup_reads_the_cluster() -> None:
    assert reads_cluster(FIXTURES / "irregular-kinds")


def test_charts_without_lookup_render_offline() -> None:
    assert not reads_cluster(FIXTURES / "node-agent")
    assert not reads_cluster(FIXTURES / "umbrella")  # directories and a .tgz subchart


def test_lookup_in_an_archived_subchart_counts(tmp_path: Path) -> None:
    chart = tmp_path / "parent"
    shutil.copytree(FIXTURES / "node-agent", chart)
    (chart / "charts").mkdir()
    template = '{{ (lookup "v1" "Secret" "ns" "s").data }}\n'
    _archive(
        chart / "charts" / "child-0.1.0.tgz",
        {
            "child/Chart.yaml": "apiVersion: v2\nname: child\nversion: 0.1.0\n",
            "child/templates/secret.yaml": template,
        },
    )
    assert reads_cluster(chart)


def test_lookup_outside_templates_does_not_count(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(FIXTURES / "node-agent", chart)
    (chart / "README.md").write_text("this chart never calls lookup in templates\n")
    assert not reads_cluster(chart)
    (chart / "templates" / "secret.yaml").write_text('{{ lookup "v1" "Secret" "" "" }}\n')
    assert reads_cluster(chart)

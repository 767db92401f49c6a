"""The CRDs Helm installs for a release: `crds/` of the chart and of every subchart it enables.

Helm installs `crds/` files before anything else, after it has dropped the subcharts that
`condition`/`tags` disable. The SDK lists every chart's CRDs, enabled or not, so which subcharts
Helm keeps is asked of Helm itself: a copy of the chart gets an empty probe template in each chart
directory (archived subcharts expanded), and the rendered template names show the enabled ones.
The probe runs only when a subchart ships CRDs. Used by `helm_sdk`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from unideploy.engines.helm.contract import Manifest
from unideploy.engines.helm.lib import hp
from unideploy.engines.helm.render import parse_documents

PROBE = "zz-unideploy-crd-probe.yaml"


def release_crds(
    chart: Any, chart_path: Path, values: dict[str, Any], release: str
) -> list[Manifest]:
    """CRD objects Helm would install first, in the SDK's order (chart, then subcharts)."""
    entries: list[dict[str, str]] = chart.crds
    if not entries:
        return []
    from_subcharts = any("/charts/" in entry["filename"] for entry in entries)
    enabled = _enabled_chart_paths(chart_path, values) if from_subcharts else set()
    crds: list[Manifest] = []
    seen: set[str] = set()
    for entry in entries:
        owner = entry["filename"].rsplit("/crds/", 1)[0]
        if "/charts/" in owner and owner not in enabled:
            continue
        for obj in parse_documents(entry["filename"], entry["data"], release):
            name = str((obj.get("metadata") or {}).get("name", ""))
            if name not in seen:  # one subchart under two aliases ships its CRDs twice
                seen.add(name)
                crds.append(obj)
    return crds


def _enabled_chart_paths(chart_path: Path, values: dict[str, Any]) -> set[str]:
    """`top/charts/<name>/...` of every subchart Helm keeps with `values` (names, not aliases)."""
    with tempfile.TemporaryDirectory(prefix="unideploy-crds-") as tmp:
        root = Path(tmp)
        if chart_path.is_dir():
            with hp.Chart.load(chart_path) as loaded:
                top = Path(loaded.save_dir(root))
        else:
            hp.expand(root, chart_path)
            top = next(p for p in root.iterdir() if p.is_dir())
        _prepare(top)
        with hp.Chart.load(top) as probed:
            rendered = probed.render(values, name="probe", namespace="probe", is_install=True)
        suffix = f"/templates/{PROBE}"
        alias_paths = [key.removesuffix(suffix) for key in rendered if key.endswith(suffix)]
        return {_by_name(top, path) for path in alias_paths}


def _prepare(chart_dir: Path) -> None:
    """Expand archived subcharts and drop an empty probe template into every chart, recursively."""
    (chart_dir / "templates").mkdir(exist_ok=True)
    (chart_dir / "templates" / PROBE).write_text("")
    charts = chart_dir / "charts"
    if not charts.is_dir():
        return
    for archive in sorted(charts.glob("*.tgz")):
        hp.expand(charts, archive)
        archive.unlink()
    for sub in sorted(p for p in charts.iterdir() if (p / "Chart.yaml").is_file()):
        _prepare(sub)


def _aliases(chart_dir: Path) -> dict[str, str]:
    """Alias (or name) → name, from the chart's `Chart.yaml` dependencies."""
    meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text()) or {}
    deps: Iterable[Any] = meta.get("dependencies") or []
    found: dict[str, str] = {}
    for dep in deps:
        if isinstance(dep, dict) and dep.get("name"):
            found[str(dep.get("alias") or dep["name"])] = str(dep["name"])
    return found


def _by_name(top: Path, alias_path: str) -> str:
    """`top/charts/<alias>/charts/<alias>` → the same path with each subchart's directory name."""
    parts = alias_path.split("/charts/")
    current, names = top, [parts[0]]
    for alias in parts[1:]:
        name = _aliases(current).get(alias, alias)
        current = current / "charts" / name
        names.append(name)
    return "/charts/".join(names)

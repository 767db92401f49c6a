"""Renders and records that need the cluster: Helm's server-side dry run and the stored manifest.

A chart that calls `lookup` (a generated password kept across upgrades, a `checksum/secret`
annotation over it) renders differently offline, where `lookup` finds nothing. Diff and drift
render through Helm's own server-side dry run of the next install or upgrade instead: `lookup`
answers from the live cluster, exactly as the real upgrade will see it. Remediation applies what
Helm recorded for the last deployed revision. Used by `sdk.SdkHelm` only.

A server dry run costs a full Helm action; a chart whose templates never call `lookup` renders
the same offline, so `reads_cluster` lets those skip it.
"""

from __future__ import annotations

import re
import tarfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from unideploy.engines.helm.contract import Manifest, ReleaseSpec
from unideploy.engines.helm.lib import hp
from unideploy.engines.helm.render import split_and_sort

#: The SDK's dry-run mode in which templates may read the cluster (`helm upgrade --dry-run=server`).
SERVER_DRY_RUN = "server"
DEPLOYED = ("deployed", "superseded")


_LOOKUP = re.compile(rb"\blookup\b")
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")


def _is_template(name: str) -> bool:
    return "/templates/" in f"/{name}" and name.endswith(_TEMPLATE_SUFFIXES)


@lru_cache(maxsize=256)
def _reads_cluster(chart: Path, stamp: float) -> bool:
    del stamp  # part of the cache key only: an edited chart is read again
    for path in chart.rglob("*"):
        relative = path.relative_to(chart).as_posix()
        if path.is_file() and _is_template(relative) and _LOOKUP.search(path.read_bytes()):
            return True
        if path.is_file() and path.name.endswith(".tgz") and "charts" in path.parts:
            with tarfile.open(path, "r:gz") as archive:
                for member in archive.getmembers():
                    if not (member.isfile() and _is_template(member.name)):
                        continue
                    handle = archive.extractfile(member)
                    if handle is not None and _LOOKUP.search(handle.read()):
                        return True
    return False


def reads_cluster(chart: Path) -> bool:
    """True when a template of the chart or of a subchart (directory or archive) calls `lookup`."""
    if chart.is_file():  # a packaged chart
        with tarfile.open(chart, "r:gz") as archive:
            for member in archive.getmembers():
                if member.isfile() and _is_template(member.name):
                    handle = archive.extractfile(member)
                    if handle is not None and _LOOKUP.search(handle.read()):
                        return True
        return False
    stamp = max((p.stat().st_mtime for p in chart.rglob("*")), default=0.0)
    return _reads_cluster(chart.resolve(), stamp)


def server_dry_run(
    cfg: hp.Config, chart: hp.Chart, spec: ReleaseSpec, *, installed: bool
) -> tuple[tuple[Manifest, ...], tuple[Manifest, ...]]:
    """(objects, hooks) of the install/upgrade Helm would run now, `lookup` answered live."""
    common: dict[str, Any] = {"namespace": spec.namespace, "dry_run": SERVER_DRY_RUN}
    if installed:
        summary = cfg.upgrade(chart, spec.name, spec.plain_values(), reset_values=True, **common)
    else:
        summary = cfg.install(chart, spec.name, spec.plain_values(), **common)
    return split_and_sort({"manifest.yaml": str(summary.get("manifest") or "")}, spec.name)


def deployed_manifest(cfg: hp.Config, name: str) -> tuple[Manifest, ...]:
    """The objects Helm recorded for the release's newest deployed revision (empty: none)."""
    history = cfg.history(name)
    deployed = [int(e.get("revision") or 0) for e in history if e.get("status") in DEPLOYED]
    if not deployed:
        return ()
    summary = cfg.status(name, revision=max(deployed))
    objects, _ = split_and_sort({"manifest.yaml": str(summary.get("manifest") or "")}, name)
    return objects

"""Renders and records that need the cluster: Helm's server-side dry run and the stored manifest.

A chart that calls `lookup` (a generated password kept across upgrades, a `checksum/secret`
annotation over it) renders differently offline, where `lookup` finds nothing. Diff and drift
render through Helm's own server-side dry run of the next install or upgrade instead: `lookup`
answers from the live cluster, exactly as the real upgrade will see it. Remediation applies what
Helm recorded for the last deployed revision. Used by `sdk.SdkHelm` only.
"""

from __future__ import annotations

from typing import Any

from unideploy.engines.helm.contract import Manifest, ReleaseSpec
from unideploy.engines.helm.lib import hp
from unideploy.engines.helm.render import split_and_sort

#: The SDK's dry-run mode in which templates may read the cluster (`helm upgrade --dry-run=server`).
SERVER_DRY_RUN = "server"
DEPLOYED = ("deployed", "superseded")


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

"""Compare one release's rendered objects with the cluster (the diff of `--dry-run` and `diff`).

Each object is server-side applied as a dry run (our field manager, forced) and the answer compared
with the live object, both normalised: defaulted fields are on both sides and never show.
"""

from __future__ import annotations

from typing import Any

from unideploy.config.model import Release
from unideploy.diffs.normalize import object_key
from unideploy.diffs.unified import ObjectDiff, ReleaseDiff, compare
from unideploy.engines.helm.contract import Rendered
from unideploy.engines.kube.apply import server_side_apply
from unideploy.engines.kube.client import CLUSTER_SCOPED, KubeReader
from unideploy.errors import EngineError


def release_diff(api: Any, release: Release, rendered: Rendered) -> ReleaseDiff:
    """Diff every object of `rendered` against the cluster `api` points at."""
    reader = KubeReader(api)
    diffs: list[ObjectDiff] = []
    try:
        for manifest in rendered.manifests:
            kind = str(manifest.get("kind"))
            meta = manifest.get("metadata", {})
            namespace = (
                None if kind in CLUSTER_SCOPED else meta.get("namespace") or release.namespace
            )
            key = object_key(manifest, namespace)
            live = reader.get(str(manifest["apiVersion"]), kind, namespace, str(meta["name"]))
            if live is None:
                diffs.append(compare(key, None, manifest))
                continue
            answer = server_side_apply(
                api, dict(manifest), namespace=namespace, dry_run=True, force=True
            )
            if answer.obj is None:
                diffs.append(
                    ObjectDiff(key, "update", f"server refused the dry run: {answer.reason}")
                )
                continue
            diffs.append(compare(key, live, answer.obj))
    except EngineError as exc:
        return ReleaseDiff(release.name, release.namespace, tuple(diffs), error=exc.message)
    return ReleaseDiff(release.name, release.namespace, tuple(diffs))

"""`deploy --incremental`: whether a release's step can end unchanged without calling Helm.

A release is skipped when everything that decides what it deploys (chart digest, merged values,
targeted Kubernetes version: the inputs hash) equals its last successful deploy, Helm's newest
revision of it is still that deploy's revision and deployed, and every object that deploy
rendered is still live. The hash needs no render, and the last deploy recorded its object keys,
so an unchanged release costs neither a render nor a read of Helm's history: the revision comes
from Helm's storage labels (helm_heads), presence from the run's live snapshot. A last deploy
recorded without object keys is checked after rendering instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from unideploy.config.model import Release
from unideploy.engines.helm.contract import Manifest, Revision
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome

#: What an unchanged step carries over from the deploy it matched.
CARRIED = ("chart", "chart_digest", "objects", "object_keys")


def inputs_hash(chart_digest: str, values: Mapping[str, Any], kubernetes: str | None) -> str:
    """Stable hash of everything that decides what a release deploys."""
    document = json.dumps(
        {"chart": chart_digest, "values": values, "kubernetes": kubernetes},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(document.encode()).hexdigest()


def object_keys(manifests: Iterable[Manifest], namespace: str) -> list[list[str]]:
    """[apiVersion, kind, namespace, name] of each object (the release's namespace by default)."""
    keys = []
    for manifest in manifests:
        meta = manifest.get("metadata") or {}
        where = str(meta.get("namespace") or namespace)
        keys.append([str(manifest["apiVersion"]), str(manifest["kind"]), where, str(meta["name"])])
    return keys


def skip_unrendered(
    ctx: PipelineContext, release: Release, step_id: str, inputs: str
) -> Outcome | None:
    """The unchanged outcome when the last deploy matches `inputs` and its objects are live."""
    last = ctx.last_success(step_id)
    if not last or last.get("inputs_hash") != inputs or "object_keys" not in last:
        return None
    revision = _deployed_revision(ctx.heads().head(release.name, release.namespace), last)
    if revision is None or not all_present(ctx, last["object_keys"]):
        return None
    details = {key: last[key] for key in CARRIED if key in last}
    details.update(inputs_hash=inputs, previous_revision=revision, revision=revision)
    return Outcome(Status.UNCHANGED, f"inputs unchanged at revision {revision}", details)


def skip_rendered(
    ctx: PipelineContext, step_id: str, details: dict[str, Any], previous: Revision | None
) -> Outcome | None:
    """The same check after a render, for a last deploy recorded without its object keys."""
    if not ctx.incremental:
        return None
    last = ctx.last_success(step_id)
    if not last or last.get("inputs_hash") != details["inputs_hash"]:
        return None
    revision = _deployed_revision(previous, last)
    if revision is None or not all_present(ctx, details["object_keys"]):
        return None
    details["revision"] = revision
    return Outcome(Status.UNCHANGED, f"inputs unchanged at revision {revision}", details)


def _deployed_revision(head: Revision | None, last: Mapping[str, Any]) -> int | None:
    """The head's revision when it is deployed and is the one the last deploy made."""
    if head is None or head.status != "deployed" or last.get("revision") != head.revision:
        return None
    return head.revision


def all_present(ctx: PipelineContext, keys: Iterable[list[str]]) -> bool:
    """Every object exists in the cluster (read through the run's names of live objects)."""
    live = ctx.present()
    return all(
        live.get(api_version, kind, namespace, name) is not None
        for api_version, kind, namespace, name in keys
    )

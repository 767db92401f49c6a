"""Compare one release's rendered objects with the cluster (the diff of `--dry-run` and `diff`).

Each object is server-side applied as a dry run as Helm's field manager, carrying the label and
annotations Helm adds (as the upgrade would apply it), and the answer is compared with the live
object, both normalised: defaulted fields are on both sides and never show, and a field the chart
no longer sets shows as removed. The dry run is unforced, so fields another manager owns come back
as conflicts (listed apart, as the deploy would meet them); only then is it repeated, forced, for
the object the upgrade would store.
"""

from __future__ import annotations

from typing import Any

from unideploy.config.model import Release
from unideploy.diffs.unified import ObjectDiff, ReleaseDiff, compare
from unideploy.engines.helm.contract import Rendered
from unideploy.engines.helm.fieldmanager import as_helm_applies, helm_field_manager
from unideploy.engines.kube.conflicts import FieldConflict, dry_run_as
from unideploy.engines.kube.snapshot import LiveSnapshot
from unideploy.errors import EngineError
from unideploy.execute.phases.ownership import OwnershipCheck, pin_release, shown


def release_diff(
    api: Any, release: Release, rendered: Rendered, snapshot: LiveSnapshot | None = None
) -> ReleaseDiff:
    """Diff every object of `rendered` against the cluster `api` points at.

    Fields left to others are compared with their live values (never shown); one dry run per
    live object when nothing conflicts. Live objects come from the run's `snapshot` when given.
    """
    diffs: list[ObjectDiff] = []
    conflicts: list[FieldConflict] = []
    manager = helm_field_manager()
    try:
        pinned = pin_release(api, release, rendered.manifests, snapshot)
        for item in pinned:
            if item.live is None:
                diffs.append(compare(item.key, None, item.manifest))
                continue
            answer = dry_run_as(
                api,
                as_helm_applies(item.manifest, release.name, release.namespace),
                item.live,
                namespace=item.namespace,
                field_manager=manager,
                label=item.key,
                resolve=True,
            )
            conflicts.extend(shown(item.manifest, answer.conflicts))
            if answer.obj is None:
                why = answer.error or "no object in the answer"
                diffs.append(ObjectDiff(item.key, "update", f"server refused the dry run: {why}"))
                continue
            diffs.append(compare(item.key, item.live, answer.obj))
    except EngineError as exc:
        return ReleaseDiff(release.name, release.namespace, tuple(diffs), error=exc.message)
    left = tuple(OwnershipCheck(pinned).to_dict()["left_to_others"])
    return ReleaseDiff(
        release.name,
        release.namespace,
        tuple(diffs),
        conflicts=tuple(c.to_dict() for c in conflicts),
        left=left,
    )

"""Compare one release's rendered objects with the cluster (the diff of `--dry-run` and `diff`).

Each object is server-side applied as a dry run (our field manager, forced) and the answer compared
with the live object, both normalised: defaulted fields are on both sides and never show. Fields
another manager owns are listed apart (`conflicts`), as the deploy would meet them.
"""

from __future__ import annotations

from typing import Any

from unideploy.config.model import Release
from unideploy.diffs.unified import ObjectDiff, ReleaseDiff, compare
from unideploy.engines.helm.contract import Rendered
from unideploy.engines.helm.fieldmanager import helm_field_manager
from unideploy.engines.kube.apply import server_side_apply
from unideploy.errors import EngineError
from unideploy.execute.phases.ownership import OwnershipCheck, check_release


def release_diff(api: Any, release: Release, rendered: Rendered) -> ReleaseDiff:
    """Diff every object of `rendered` against the cluster `api` points at.

    Fields left to others are compared with their live values (never shown), and a second,
    unforced dry run as Helm's field manager lists the fields a deploy would stop at.
    """
    diffs: list[ObjectDiff] = []
    conflicts: list[dict[str, Any]] = []
    check = OwnershipCheck()
    try:
        check = check_release(api, release, rendered.manifests, helm_field_manager())
        conflicts = [c.to_dict() for c in check.conflicts]
        for item in check.pinned:
            if item.live is None:
                diffs.append(compare(item.key, None, item.manifest))
                continue
            answer = server_side_apply(
                api, dict(item.manifest), namespace=item.namespace, dry_run=True, force=True
            )
            if answer.obj is None:
                diffs.append(
                    ObjectDiff(item.key, "update", f"server refused the dry run: {answer.reason}")
                )
                continue
            diffs.append(compare(item.key, item.live, answer.obj))
    except EngineError as exc:
        return ReleaseDiff(release.name, release.namespace, tuple(diffs), error=exc.message)
    left = tuple(check.to_dict()["left_to_others"])
    return ReleaseDiff(
        release.name, release.namespace, tuple(diffs), conflicts=tuple(conflicts), left=left
    )

"""Releases a deploy would stop at, or that failed, on fields another field manager owns.

Two signs of the same jam: the last revision failed with Helm's "conflict occurred while
applying" (an upgrade or a rollback met a `kubectl scale`, an HPA, a `kubectl edit`), or the
release renders fields whose live owner is someone else now, so the next deploy stops with exit
code 4. Either way the finding names both ways out.
"""

from __future__ import annotations

from dataclasses import dataclass

from unideploy.engines.helm.fieldmanager import helm_field_manager
from unideploy.errors import UnideployError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import render_release
from unideploy.execute.phases.ownership import check_release

CONFLICT_WORDS = ("conflict occurred while applying", "apply failed with")


@dataclass(frozen=True)
class OwnershipJam:
    """One release held up by field ownership: what is in the way, and the way out."""

    release: str
    problem: str
    fix: str


def is_conflict(error: str) -> bool:
    """True when a Helm error (a failed revision's description) is a field-manager conflict."""
    text = error.lower()
    return any(word in text for word in CONFLICT_WORDS)


def way_out(environment: str, release: str) -> str:
    """Both ways out of a conflict, as commands and configuration."""
    name = release.split("/", 1)[-1]
    return (
        f"`unideploy deploy -e {environment} --force-conflicts` takes the fields back, or list "
        f"them under leaveToOthers of release {name} in stack.yaml to leave them to their owner"
    )


def ownership_jams(ctx: PipelineContext) -> list[OwnershipJam]:
    """Every release whose next deploy would stop on a field another manager owns."""
    api = ctx.kube()
    manager = helm_field_manager()
    found = []
    for release in ctx.stack.file.releases:
        try:
            _, _, rendered = render_release(ctx, release)
            check = check_release(api, release, rendered.manifests, manager)
        except UnideployError:
            # Not renderable here (e.g. Terraform outputs unknown): other findings say why.
            continue
        if check.conflicts:
            fields = "; ".join(c.describe() for c in check.conflicts)
            found.append(
                OwnershipJam(
                    release.key,
                    f"the next deploy stops here (exit code 4): {fields}",
                    way_out(ctx.environment, release.key),
                )
            )
    return found

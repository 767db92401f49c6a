"""Before a release is upgraded: which fields are left to others, and which would conflict.

Reads the live copy of every rendered object once, finds the workloads an autoscaler scales (in
the rendered set or live in the release's namespace), pins every field left to others to its
live value, and dry-runs the apply as Helm's field manager wherever another manager may own
one of its fields: what conflicts is a decision for the operator (`--force-conflicts`, or
`leaveToOthers` in stack.yaml).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from unideploy.config.model import Release
from unideploy.config.ownership import Target, autoscaler_targets, keep_live, left_paths
from unideploy.diffs.normalize import object_key, redact_value
from unideploy.engines.helm.contract import KeptFields, Manifest
from unideploy.engines.kube.client import CLUSTER_SCOPED, KubeReader
from unideploy.engines.kube.conflicts import FieldConflict, dry_run_as
from unideploy.engines.kube.fieldsets import may_conflict
from unideploy.engines.kube.objects import list_objects
from unideploy.engines.kube.snapshot import LiveSnapshot

SECRET_FIELDS = ("data.", "stringData.")
AUTOSCALER_LISTS = (
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("keda.sh/v1alpha1", "ScaledObject"),
)


@dataclass(frozen=True)
class Pinned:
    """One rendered object, with the fields left to others set to their live values."""

    key: str
    namespace: str | None
    manifest: Manifest
    live: dict[str, Any] | None
    kept: KeptFields | None


@dataclass(frozen=True)
class OwnershipCheck:
    """What the dry run found for one release."""

    pinned: tuple[Pinned, ...] = ()
    conflicts: tuple[FieldConflict, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def kept(self) -> tuple[KeptFields, ...]:
        """The fields the upgrade must apply with their live values."""
        return tuple(p.kept for p in self.pinned if p.kept is not None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for step details and the plan."""
        return {
            "conflicts": [c.to_dict() for c in self.conflicts],
            "left_to_others": [
                {"object": p.key, "fields": sorted(p.kept.values)}
                for p in self.pinned
                if p.kept is not None
            ],
        }


def live_autoscaled(
    api: Any, namespaces: Iterable[str], snapshot: LiveSnapshot | None = None
) -> set[Target]:
    """Workloads the live HPAs and ScaledObjects of `namespaces` scale."""
    found: set[Target] = set()
    for namespace in sorted(set(namespaces)):
        for api_version, kind in AUTOSCALER_LISTS:
            if snapshot is not None:
                items = snapshot.list(api_version, kind, namespace)
            else:
                items = list_objects(api, api_version, kind, namespace)
            found |= autoscaler_targets(items, namespace)
    return found


def pin_release(
    api: Any,
    release: Release,
    manifests: Iterable[Manifest],
    snapshot: LiveSnapshot | None = None,
) -> tuple[Pinned, ...]:
    """Every object with its left fields pinned to the live values (read once, here).

    A run that changes nothing passes the run's `snapshot`, which reads each kind once per
    namespace for all releases.
    """
    objects = list(manifests)
    autoscaled = autoscaler_targets(objects, release.namespace) | live_autoscaled(
        api, [release.namespace], snapshot
    )
    reader: KubeReader | LiveSnapshot = snapshot or KubeReader(api)
    pinned = []
    for manifest in objects:
        kind = str(manifest.get("kind"))
        meta = manifest.get("metadata", {})
        namespace = None if kind in CLUSTER_SCOPED else meta.get("namespace") or release.namespace
        live = reader.get(str(manifest["apiVersion"]), kind, namespace, str(meta["name"]))
        body, values = keep_live(manifest, live, left_paths(release, manifest, autoscaled))
        kept = None
        if values:
            kept = KeptFields(
                str(manifest["apiVersion"]), kind, namespace, str(meta["name"]), values
            )
        key = object_key(manifest, namespace)
        pinned.append(Pinned(key, namespace, body, live, kept))
    return tuple(pinned)


def check_release(
    api: Any, release: Release, manifests: Iterable[Manifest], field_manager: str
) -> OwnershipCheck:
    """Pin the left fields, then dry-run every live object as `field_manager`, unforced.

    A live object whose other field managers own none of the fields we apply (told from its
    managedFields, engines/kube/fieldsets.py) cannot conflict: it is not sent.
    """
    pinned = pin_release(api, release, manifests)
    conflicts: list[FieldConflict] = []
    errors: list[str] = []
    for item in pinned:
        if item.live is None or not may_conflict(item.manifest, item.live, field_manager):
            continue
        answer = dry_run_as(
            api,
            item.manifest,
            item.live,
            namespace=item.namespace,
            field_manager=field_manager,
            label=item.key,
        )
        conflicts.extend(shown(item.manifest, answer.conflicts))
        if answer.error:
            errors.append(f"{item.key}: {answer.error}")
    return OwnershipCheck(pinned, tuple(conflicts), tuple(errors))


def shown(manifest: Manifest, found: Iterable[FieldConflict]) -> list[FieldConflict]:
    """The conflicts as they may be shown: a Secret's values redacted, with a digest."""
    if manifest.get("kind") != "Secret":
        return list(found)
    return [_hidden(c) if c.field.startswith(SECRET_FIELDS) else c for c in found]


def _hidden(conflict: FieldConflict) -> FieldConflict:
    """A Secret's value (live or ours) shown as the diff shows it: redacted, with a digest."""
    live, desired = conflict.live, conflict.desired
    return replace(
        conflict,
        live=None if live is None else redact_value(live),
        desired=None if desired is None else redact_value(desired),
    )


def conflict_message(conflicts: Iterable[FieldConflict]) -> str:
    """The refusal: every field, then both ways out."""
    found = list(conflicts)
    lines = "; ".join(c.describe() for c in found)
    return (
        f"{len(found)} field(s) owned by another field manager, nothing applied: {lines} — "
        "deploy with --force-conflicts to take them back, or list them under leaveToOthers "
        "for this release in stack.yaml to leave them to their owner"
    )

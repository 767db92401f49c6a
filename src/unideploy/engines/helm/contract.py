"""The Helm engine's contract: plain release specs in, rendered manifests and revisions out.

`execute` (deploy, rollback, diff) talks only to the `HelmEngine` protocol defined here; the real
implementation on the in-process Helm SDK lives in `sdk.py`, unit tests pass a fake.
Nothing here knows a Stack: callers hand over names, namespaces, chart references and merged values.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

#: The release timeout the seed's helmfile uses for most releases (storage/monitoring use 600 s).
DEFAULT_TIMEOUT_S = 300

Manifest = dict[str, Any]


def _plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(item) for item in node]
    return node


@dataclass(frozen=True)
class KeptFields:
    """Fields of one object that the upgrade applies with their live values (left to others)."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    values: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (what the post-renderer reads)."""
        return {
            "api_version": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "values": dict(self.values),
        }


@dataclass(frozen=True, eq=False)
class ReleaseSpec:
    """Everything Helm needs to render or install one release.

    `chart` is a local chart directory or `.tgz`, a chart name in the Helm repository at
    `repo_url`, or an `oci://host/path/name` reference; remote charts must pin `version`.
    `repositories` are the chart repositories the stack declares: a dependency missing from a
    chart's `charts/` may be fetched from those (or `repo_url`), from nowhere else.
    `sensitive` lists strings (secret values) that must never appear in messages; values under
    keys that look secret (password, token, ...) are treated the same way without being listed.
    `force_conflicts` takes fields another field manager owns back (Helm's --force-conflicts);
    `keep` lists fields applied with their live values (left to their owner, no conflict).
    `atomic` makes Helm wait and roll back (uninstall a first install) on failure; a caller that
    waits with `wait.wait_ready` for progress messages sets `atomic=False, wait=False`.
    `installed` is whether the release has a revision that is not uninstalled, for a caller that
    has just read its history (None: the engine reads it again). `server_validates_fields` says
    the API server checks fields itself (`fieldValidation`, Kubernetes >= 1.27): every apply is
    sent with fieldValidation=Strict either way, so the engine may skip Helm's client-side probe
    of that support (the cluster's OpenAPI documents, fetched and parsed on every install or
    upgrade).
    """

    name: str
    namespace: str
    chart: str
    version: str | None = None
    repo_url: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    timeout_s: int = DEFAULT_TIMEOUT_S
    atomic: bool = True
    wait: bool = True
    description: str | None = None
    plain_http: bool = False
    sensitive: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    force_conflicts: bool = False
    keep: tuple[KeptFields, ...] = ()
    installed: bool | None = None
    server_validates_fields: bool = False

    def plain_values(self) -> dict[str, Any]:
        """The values as plain dicts and lists (what the SDK's JSON bridge accepts)."""
        plain = _plain(self.values)
        assert isinstance(plain, dict)
        return plain

    @property
    def is_remote(self) -> bool:
        """True for charts that come from a Helm repository or an OCI registry."""
        return self.repo_url is not None or self.chart.startswith("oci://")

    @property
    def chart_label(self) -> str:
        """A short human name for the chart reference, for messages."""
        ref = self.chart if self.repo_url is None else f"{self.repo_url.rstrip('/')}/{self.chart}"
        return f"{ref}@{self.version}" if self.version else ref


@dataclass(frozen=True)
class Rendered:
    """A release rendered offline: objects in a deterministic order, plus the chart's identity.

    `crds` are the chart's (and its enabled subcharts') `crds/` files, which Helm installs first
    and never upgrades; they are not part of `manifests`. An offline render of a chart that does
    not read the cluster is also what a live render gives.
    """

    release: str
    namespace: str
    chart_name: str
    chart_version: str
    chart_digest: str
    manifests: tuple[Manifest, ...]
    hooks: tuple[Manifest, ...] = ()
    crds: tuple[Manifest, ...] = ()
    #: The templates call `lookup`: a live render (`render(..., live=True)`) may differ.
    reads_cluster: bool = False

    def kinds(self) -> list[str]:
        """`Kind/name` of every (non-hook) object, in order; handy in messages and tests."""
        return [f"{m.get('kind')}/{m.get('metadata', {}).get('name')}" for m in self.manifests]


@dataclass(frozen=True)
class Revision:
    """One entry of a release's history as Helm stores it (storage driver `secret`)."""

    release: str
    namespace: str
    revision: int
    status: str
    chart: str
    app_version: str = ""
    updated: str = ""
    description: str = ""

    @property
    def pending(self) -> bool:
        """True while an install/upgrade/rollback has not finished (or was interrupted)."""
        return self.status.startswith("pending-")


def has_live_revision(history: Iterable[Revision]) -> bool:
    """Whether a release is installed (an upgrade, not an install): a revision not `uninstalled`."""
    return any(r.status != "uninstalled" for r in history)


class HelmEngine(Protocol):
    """What the pipeline needs from Helm; eight operations, nothing more."""

    def render(self, spec: ReleaseSpec, *, live: bool = False) -> Rendered:
        """Render the release, objects sorted deterministically.

        Offline (no cluster) by default; with `live`, as Helm's server-side dry run of the next
        install/upgrade, so templates that `lookup` the cluster see what it holds.
        """
        ...

    def chart_digest(self, spec: ReleaseSpec) -> str:
        """The digest of the chart `spec` names (as `render` reports it), without rendering."""
        ...

    def deployed_manifest(self, name: str, namespace: str) -> tuple[Manifest, ...]:
        """The objects Helm recorded for the release's last deployed revision (empty: none)."""
        ...

    def upgrade(self, spec: ReleaseSpec, *, cancel: threading.Event | None = None) -> Revision:
        """Install the release when absent, upgrade it otherwise; return the new revision."""
        ...

    def rollback(
        self,
        name: str,
        namespace: str,
        revision: int | None = None,
        *,
        timeout_s: int = DEFAULT_TIMEOUT_S,
        wait: bool = False,
    ) -> Revision:
        """Roll back to `revision` (the previous one when None); return the new head revision."""
        ...

    def uninstall(self, name: str, namespace: str, *, timeout_s: int = DEFAULT_TIMEOUT_S) -> bool:
        """Remove the release and its objects; False when there was nothing to remove."""
        ...

    def history(
        self, name: str, namespace: str, *, describe_deployed: bool = True
    ) -> list[Revision]:
        """The release's revisions, oldest first; empty when the release does not exist.

        The newest carries its description; without `describe_deployed`, only when it did not
        end deployed or superseded (cheaper: what a deploy needs).
        """
        ...

    def releases(self, namespace: str | None = None) -> list[Revision]:
        """The latest revision of every release in any state (all namespaces when None)."""
        ...

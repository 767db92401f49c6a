"""The newest revision of every Helm release in a namespace, read from Helm's storage labels.

Helm's `secret` storage driver labels each release record `owner=helm`, `name=<release>`,
`status=<state>` and `version=<revision>`, and queries its own records by those labels. One
metadata-only LIST per namespace answers "which revision is the head, and in which state" for
every release there, where the SDK's history decodes each stored release (manifest and all) for
one release at a time. A run uses these heads where the state is all it needs: the preflight's
search for releases stuck in pending-*, and `--incremental`'s check that a release still is at
the revision it last deployed. Anything that needs a revision's description still asks Helm.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from unideploy.engines.helm.contract import Revision
from unideploy.engines.kube.objects import list_metadata
from unideploy.engines.kube.once import OncePerKey

#: The labels Helm's storage driver puts on its release records (pkg/storage/driver/secrets.go).
HELM_RECORDS = "owner=helm"
#: At most this many namespaces' LISTs are in flight at once.
PARALLEL_LISTS = 8


class HelmHeads:
    """Per namespace, each release's newest revision (one LIST per namespace, on first use)."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self._by_namespace: OncePerKey[str, dict[str, Revision]] = OncePerKey(self._read)

    def head(self, name: str, namespace: str) -> Revision | None:
        """The release's newest revision, or None when Helm holds no record of it."""
        return self.in_namespace(namespace).get(name)

    def in_namespace(self, namespace: str) -> dict[str, Revision]:
        """Release name → newest revision, for every release stored in `namespace`."""
        return self._by_namespace.get(namespace)

    def in_namespaces(self, namespaces: Iterable[str]) -> dict[str, dict[str, Revision]]:
        """`in_namespace` of each namespace, the LISTs not yet sent sent side by side."""
        wanted = sorted(set(namespaces))
        unread = [namespace for namespace in wanted if not self._by_namespace.known(namespace)]
        if len(unread) > 1:
            with ThreadPoolExecutor(min(len(unread), PARALLEL_LISTS)) as pool:
                list(pool.map(self.in_namespace, unread))
        return {namespace: self.in_namespace(namespace) for namespace in wanted}

    def _read(self, namespace: str) -> dict[str, Revision]:
        records = list_metadata(self.api, "v1", "Secret", namespace, HELM_RECORDS)
        return newest(records, namespace)


def newest(records: list[dict[str, Any]], namespace: str) -> dict[str, Revision]:
    """The highest `version` per `name` among records' metadata (unlabelled ones ignored)."""
    heads: dict[str, Revision] = {}
    for meta in records:
        labels = meta.get("labels") or {}
        name, version = labels.get("name"), labels.get("version", "")
        if not name or not str(version).isdigit():
            continue
        revision = Revision(
            release=str(name),
            namespace=namespace,
            revision=int(version),
            status=str(labels.get("status", "")),
            chart="",
        )
        current = heads.get(revision.release)
        if current is None or revision.revision > current.revision:
            heads[revision.release] = revision
    return heads

"""Live objects read once per kind and namespace, for a run that changes nothing (diff, dry run).

A diff reads the live copy of every object every release renders. Releases share namespaces and
kinds, so one LIST per (apiVersion, kind, namespace) answers all of them, where a GET per object
would cost one round trip each. Secrets are still read one by one: a namespace's Secret list
carries every Helm release record stored there. A snapshot lives for one run and is never
refreshed: it is only for runs that write nothing.

`metadata_only=True` lists each kind's metadata alone (PartialObjectMetadataList): enough to say
which objects exist, as `--incremental` asks, at a fraction of the bytes — Secrets included.
"""

from __future__ import annotations

from typing import Any

from unideploy.engines.kube.client import KubeReader
from unideploy.engines.kube.objects import list_metadata, list_objects
from unideploy.engines.kube.once import OncePerKey

#: Kinds read one object at a time: their lists are large (Helm's release records live there).
READ_ONE_BY_ONE = frozenset({"Secret"})

_Key = tuple[str, str, str | None]


class LiveSnapshot:
    """GET and LIST answered from one LIST per (apiVersion, kind, namespace); thread-safe."""

    def __init__(self, api: Any, *, metadata_only: bool = False) -> None:
        self.api = api
        self.metadata_only = metadata_only
        self._reader = KubeReader(api)
        self._lists: OncePerKey[_Key, dict[str, dict[str, Any]]] = OncePerKey(self._read)

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        """The live object (its metadata alone when so built), or None when absent."""
        if kind in READ_ONE_BY_ONE and not self.metadata_only:
            return self._reader.get(api_version, kind, namespace, name)
        return self._by_name(api_version, kind, namespace).get(name)

    def list(self, api_version: str, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        """Every live object of `kind` in `namespace` (the cluster for cluster-scoped kinds)."""
        return list(self._by_name(api_version, kind, namespace).values())

    def _by_name(
        self, api_version: str, kind: str, namespace: str | None
    ) -> dict[str, dict[str, Any]]:
        return self._lists.get((api_version, kind, namespace))

    def _read(self, key: _Key) -> dict[str, dict[str, Any]]:
        api_version, kind, namespace = key
        if self.metadata_only:
            found = list_metadata(self.api, api_version, kind, namespace, "")
            return {str(meta.get("name")): meta for meta in found}
        items = list_objects(self.api, api_version, kind, namespace)
        return {str(item.get("metadata", {}).get("name")): item for item in items}

"""API discovery: which resource (URL plural, namespaced or not) serves a kind at an apiVersion.

Every path the engines build for a live object comes from here, never from the kind's spelling
(`Prometheus` is served as `prometheuses`, `Endpoints` as `endpoints`). The REST mapping is read
once per group-version from `/api/v1` or `/apis/<group>/<version>` and cached per API client; a
kind that is not in the cached table makes its group-version be read again (at most once every
`REFRESH_AFTER_S`), so a CRD installed earlier in the same run is found before its objects are.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube.rest import call
from unideploy.errors import EngineError

#: A miss re-reads its group-version only when the cached table is older than this.
REFRESH_AFTER_S = 0.5


@dataclass(frozen=True)
class Resource:
    """One served resource: `/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]`."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def group(self) -> str:
        """The API group ("" for the core group)."""
        return self.api_version.split("/")[0] if "/" in self.api_version else ""

    def collection(self, namespace: str | None) -> str:
        """The collection's path (all namespaces when `namespace` is None)."""
        base = f"/apis/{self.api_version}" if self.group else f"/api/{self.api_version}"
        scope = f"/namespaces/{namespace}" if self.namespaced and namespace else ""
        return f"{base}{scope}/{self.plural}"

    def path(self, namespace: str | None, name: str) -> str:
        """One object's path; the namespace is ignored for cluster-scoped resources."""
        return f"{self.collection(namespace)}/{name}"


def resources_of(api_version: str, document: Any) -> dict[str, Resource]:
    """Kind → Resource from one discovery document (`APIResourceList`); subresources left out."""
    found: dict[str, Resource] = {}
    for entry in (document or {}).get("resources") or ():
        name, kind = str(entry.get("name", "")), str(entry.get("kind", ""))
        if not name or "/" in name or not kind:
            continue
        found.setdefault(kind, Resource(api_version, kind, name, bool(entry.get("namespaced"))))
    return found


class RestMapper:
    """Kind + apiVersion → Resource for one cluster, cached, refreshed on a miss."""

    def __init__(self, api: Any, *, clock: Any = time.monotonic) -> None:
        self.api = api
        self._clock = clock
        self._tables: dict[str, tuple[float, dict[str, Resource]]] = {}
        self._reading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def find(self, api_version: str, kind: str) -> Resource | None:
        """The resource serving `kind` at `api_version`, None when the server does not serve it.

        Group-versions are read side by side: one read at a time per group-version, not per client.
        """
        with self._lock:
            known, answer = self._cached(api_version, kind)
            if known:
                return answer
            reading = self._reading.setdefault(api_version, threading.Lock())
        with reading:
            with self._lock:  # another thread may have read it meanwhile
                known, answer = self._cached(api_version, kind)
            if known:
                return answer
            table = self._read(api_version)
            with self._lock:
                self._tables[api_version] = (self._clock(), table)
            return table.get(kind)

    def _cached(self, api_version: str, kind: str) -> tuple[bool, Resource | None]:
        """(True, the answer) from the cache; (False, None) when it must be read (again)."""
        cached = self._tables.get(api_version)
        if cached is not None and kind in cached[1]:
            return True, cached[1][kind]
        if cached is not None and self._clock() - cached[0] < REFRESH_AFTER_S:
            return True, None
        return False, None

    def require(self, api_version: str, kind: str) -> Resource:
        """Like `find`, but a kind the server does not serve is an EngineError naming it."""
        found = self.find(api_version, kind)
        if found is None:
            raise EngineError(
                f"the API server serves no {kind} in {api_version}",
                hint="install the CustomResourceDefinition (or enable the API) that defines it",
            )
        return found

    def invalidate(self) -> None:
        """Forget every cached table (after installing CRDs, for instance)."""
        with self._lock:
            self._tables.clear()

    def _read(self, api_version: str) -> dict[str, Resource]:
        path = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        status, decoded, message = call(self.api, "GET", path)
        if status == 404:
            return {}
        if status >= 400:
            raise EngineError(
                f"API discovery of {api_version} failed: HTTP {status} {message}",
                hint="check the kubeconfig's permissions and that the API server is healthy",
                retryable=status >= 500 or status == 429,
            )
        return resources_of(api_version, decoded)


_MAPPERS: weakref.WeakKeyDictionary[Any, RestMapper] = weakref.WeakKeyDictionary()
_MAPPERS_LOCK = threading.Lock()


def mapper_for(api: Any) -> RestMapper:
    """The shared RestMapper of one API client (created on first use)."""
    with _MAPPERS_LOCK:
        try:
            mapper = _MAPPERS.get(api)
            if mapper is None:
                mapper = _MAPPERS[api] = RestMapper(api)
        except TypeError:  # a client that cannot be weakly referenced: no sharing
            mapper = RestMapper(api)
        return mapper


def resource(api: Any, api_version: str, kind: str) -> Resource | None:
    """Shorthand: `mapper_for(api).find(api_version, kind)`."""
    return mapper_for(api).find(api_version, kind)

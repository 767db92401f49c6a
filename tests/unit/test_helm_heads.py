"""HelmHeads: each release's newest revision from Helm's storage labels, one LIST per namespace."""

from __future__ import annotations

import threading
from typing import Any

from tests.unit.rest_answer import JsonAnswer

from unideploy.engines.kube.objects import METADATA_ONLY
from unideploy.execute.phases.helm_heads import HelmHeads

CORE = {"/api/v1": [{"name": "secrets", "kind": "Secret", "namespaced": True}]}


def _record(name: str, version: int, status: str) -> dict[str, Any]:
    labels = {"owner": "helm", "name": name, "version": str(version), "status": status}
    return {"metadata": {"name": f"sh.helm.release.v1.{name}.v{version}", "labels": labels}}


RECORDS = {
    "apps": [_record("web", 1, "superseded"), _record("web", 2, "deployed")],
    "data": [_record("db", 3, "pending-upgrade")],
    "edge": [],
}


class BarrierApi:
    """Answers each namespace's LIST only once all three LISTs are in flight together."""

    def __init__(self) -> None:
        self.together = threading.Barrier(len(RECORDS), timeout=10)
        self.listed: list[str] = []
        self.lock = threading.Lock()

    def param_serialize(self, method: str, resource_path: str, **kw: Any) -> tuple[Any, ...]:
        accept = (kw.get("header_params") or {}).get("Accept", "")
        return method, resource_path, accept, None, None

    def call_api(self, method: str, path: str, accept: str, *_: Any, **__: Any) -> JsonAnswer:
        if path in CORE:
            return JsonAnswer(200, {"resources": CORE[path]})
        assert accept == METADATA_ONLY
        namespace = path.split("/")[4]
        with self.lock:
            self.listed.append(namespace)
        self.together.wait()  # a LIST sent one after another would never pass
        return JsonAnswer(200, {"items": RECORDS[namespace]})


def test_namespaces_are_listed_side_by_side_once_each() -> None:
    api = BarrierApi()
    heads = HelmHeads(api)
    found = heads.in_namespaces(["data", "apps", "edge", "apps"])
    assert sorted(api.listed) == ["apps", "data", "edge"]
    assert {ns: {n: (r.revision, r.status) for n, r in h.items()} for ns, h in found.items()} == {
        "apps": {"web": (2, "deployed")},
        "data": {"db": (3, "pending-upgrade")},
        "edge": {},
    }
    head = heads.head("db", "data")
    assert head is not None and head.pending
    assert heads.head("web", "apps") == found["apps"]["web"]
    assert sorted(api.listed) == ["apps", "data", "edge"]  # read once, answered after

"""engines.kube.snapshot: one LIST per kind and namespace; names alone when only presence counts."""

from __future__ import annotations

from typing import Any

from tests.unit.rest_answer import JsonAnswer

from unideploy.engines.kube.objects import METADATA_ONLY
from unideploy.engines.kube.snapshot import LiveSnapshot

CORE = {
    "/api/v1": [
        {"name": "configmaps", "kind": "ConfigMap", "namespaced": True},
        {"name": "secrets", "kind": "Secret", "namespaced": True},
    ]
}
OBJECTS = {
    "/api/v1/namespaces/apps/configmaps": [{"name": "settings"}, {"name": "flags"}],
    "/api/v1/namespaces/apps/secrets": [{"name": "token"}],
}


class CountingApi:
    """Discovery of ConfigMaps and Secrets, their LISTs and GETs; records (path, Accept)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def param_serialize(self, method: str, resource_path: str, **kw: Any) -> tuple[Any, ...]:
        accept = (kw.get("header_params") or {}).get("Accept", "")
        return method, resource_path, accept, None, None

    def call_api(self, method: str, path: str, accept: str, *_: Any, **__: Any) -> JsonAnswer:
        if path in CORE:
            return JsonAnswer(200, {"resources": CORE[path]})
        self.requests.append((path, accept))
        if path in OBJECTS:
            items = [
                {"metadata": meta} if accept == METADATA_ONLY else _whole(meta)
                for meta in OBJECTS[path]
            ]
            return JsonAnswer(200, {"items": items})
        collection, _slash, name = path.rpartition("/")
        for meta in OBJECTS.get(collection, []):
            if meta["name"] == name:
                return JsonAnswer(200, _whole(meta))
        return JsonAnswer(404, {"message": "not found"})


def _whole(meta: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": meta, "data": {"key": "value"}}


def test_names_only_snapshot_lists_each_kind_once_as_metadata_secrets_included() -> None:
    api = CountingApi()
    names = LiveSnapshot(api, metadata_only=True)
    assert names.get("v1", "ConfigMap", "apps", "settings") == {"name": "settings"}
    assert names.get("v1", "ConfigMap", "apps", "flags") is not None
    assert names.get("v1", "ConfigMap", "apps", "gone") is None
    assert names.get("v1", "Secret", "apps", "token") == {"name": "token"}
    assert names.get("v1", "Secret", "apps", "other") is None
    assert api.requests == [
        ("/api/v1/namespaces/apps/configmaps", METADATA_ONLY),
        ("/api/v1/namespaces/apps/secrets", METADATA_ONLY),
    ]


def test_whole_snapshot_lists_objects_and_reads_secrets_one_by_one() -> None:
    api = CountingApi()
    live = LiveSnapshot(api)
    assert live.get("v1", "ConfigMap", "apps", "settings") == _whole({"name": "settings"}) | {
        "apiVersion": "v1",
        "kind": "ConfigMap",
    }
    assert live.get("v1", "ConfigMap", "apps", "flags") is not None
    assert live.get("v1", "Secret", "apps", "token") == _whole({"name": "token"})
    assert [path for path, _ in api.requests] == [
        "/api/v1/namespaces/apps/configmaps",
        "/api/v1/namespaces/apps/secrets/token",
    ]
    assert all(accept == "application/json" for _, accept in api.requests)

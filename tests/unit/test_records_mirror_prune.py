"""Pruning the mirrored run records reads their names only, never the records themselves."""

from __future__ import annotations

from typing import Any

from tests.unit.rest_answer import JsonAnswer

from unideploy.engines.kube.objects import METADATA_ONLY
from unideploy.records.mirror import RUN_LABEL, _prune

BASE = "/api/v1/namespaces/unideploy-system/configmaps"


class RecordingApi:
    """Three run ConfigMaps; answers a LIST as asked (metadata only or whole), records requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []

    def param_serialize(self, method: str, resource_path: str, **kw: Any) -> tuple[Any, ...]:
        query = "&".join(f"{k}={v}" for k, v in kw.get("query_params") or [])
        accept = (kw.get("header_params") or {}).get("Accept", "")
        return method, f"{resource_path}?{query}" if query else resource_path, accept, None, None

    def call_api(self, method: str, url: str, accept: str, *_: Any, **__: Any) -> JsonAnswer:
        self.requests.append((method, url, accept))
        if method == "DELETE":
            return JsonAnswer(200, {})
        items = []
        for run_id in ("20261207-0003", "20261207-0001", "20261207-0002"):
            item: dict[str, Any] = {
                "metadata": {"name": f"unideploy-run-{run_id}", "labels": {RUN_LABEL: run_id}}
            }
            if accept != METADATA_ONLY:
                item["data"] = {"run.json": "{" + '"x": 1, ' * 50_000 + '"y": 2}'}
            items.append(item)
        return JsonAnswer(200, {"items": items})


def test_prune_lists_metadata_only_and_deletes_the_oldest() -> None:
    api = RecordingApi()
    doomed = _prune(api, "unideploy-system", "production", keep=1)
    assert doomed == ["unideploy-run-20261207-0001", "unideploy-run-20261207-0002"]
    listing = api.requests[0]
    assert listing[0] == "GET" and listing[1].startswith(BASE + "?labelSelector=")
    assert "unideploy.io/environment=production" in listing[1]
    assert listing[2] == METADATA_ONLY
    assert [(m, u) for m, u, _ in api.requests[1:]] == [
        ("DELETE", f"{BASE}/unideploy-run-20261207-0001"),
        ("DELETE", f"{BASE}/unideploy-run-20261207-0002"),
    ]

"""RestMapper: each group-version read once, different ones side by side, a miss re-read later."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from tests.unit.rest_answer import JsonAnswer

from unideploy.engines.kube.discovery import REFRESH_AFTER_S, RestMapper

TABLES = {
    "/api/v1": [{"name": "services", "kind": "Service", "namespaced": True}],
    "/apis/apps/v1": [{"name": "deployments", "kind": "Deployment", "namespaced": True}],
}


class DiscoveryApi:
    """Answers discovery; with a barrier, only once every expected read is in flight."""

    def __init__(self, together: int = 1) -> None:
        self.together = threading.Barrier(together, timeout=10)
        self.reads: Counter[str] = Counter()
        self.lock = threading.Lock()

    def param_serialize(self, method: str, resource_path: str, **_: Any) -> tuple[Any, ...]:
        return method, resource_path, {}, None, None

    def call_api(self, method: str, path: str, *_: Any, **__: Any) -> JsonAnswer:
        with self.lock:
            self.reads[path] += 1
        self.together.wait()
        if path not in TABLES:
            return JsonAnswer(404, {"message": "not found"})
        return JsonAnswer(200, {"resources": TABLES[path]})


def test_two_group_versions_are_read_side_by_side_and_once() -> None:
    api = DiscoveryApi(together=2)
    mapper = RestMapper(api)
    found: list[Any] = []
    asks = [("v1", "Service"), ("apps/v1", "Deployment")] * 3
    threads = [threading.Thread(target=lambda a=a: found.append(mapper.find(*a))) for a in asks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.plural for r in found) == ["deployments"] * 3 + ["services"] * 3
    assert api.reads == {"/api/v1": 1, "/apis/apps/v1": 1}


def test_a_missing_kind_is_read_again_only_after_the_refresh_interval() -> None:
    now = [100.0]
    api = DiscoveryApi()
    mapper = RestMapper(api, clock=lambda: now[0])
    assert mapper.find("keda.sh/v1alpha1", "ScaledObject") is None
    assert mapper.find("keda.sh/v1alpha1", "ScaledObject") is None
    assert api.reads["/apis/keda.sh/v1alpha1"] == 1
    now[0] += REFRESH_AFTER_S
    assert mapper.find("keda.sh/v1alpha1", "ScaledObject") is None
    assert api.reads["/apis/keda.sh/v1alpha1"] == 2
    service = mapper.find("v1", "Service")
    assert (
        service is not None
        and service.path("apps", "web") == "/api/v1/namespaces/apps/services/web"
    )

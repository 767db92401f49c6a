"""gitops.wake: after a push, only the sources of the pushed URLs are asked to fetch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.unit.rest_answer import JsonAnswer

from unideploy.gitops.wake import REQUESTED_AT, wake_sources

URL = "http://127.0.0.1:8070/sandbox.git"
CHARTS = "http://127.0.0.1:8071"
NOW = datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)
DISCOVERY = {
    "/apis/source.toolkit.fluxcd.io/v1": [
        {"name": "gitrepositories", "kind": "GitRepository", "namespaced": True},
        {"name": "helmrepositories", "kind": "HelmRepository", "namespaced": True},
    ]
}
LIST = "/apis/source.toolkit.fluxcd.io/v1/gitrepositories"
HELM_LIST = "/apis/source.toolkit.fluxcd.io/v1/helmrepositories"


def _source(namespace: str, name: str, url: str, annotated: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotated:
        meta["annotations"] = {"owner": "someone"}
    return {"metadata": meta, "spec": {"url": url}}


class FakeApi:
    """LIST from `sources`; a JSON patch adding under missing annotations fails, as the server's."""

    def __init__(
        self,
        sources: list[dict[str, Any]],
        list_status: int = 200,
        helm_sources: list[dict[str, Any]] | None = None,
    ) -> None:
        self.sources, self.list_status = sources, list_status
        self.helm_sources = helm_sources or []
        self.patches: list[tuple[str, list[dict[str, Any]]]] = []

    def param_serialize(self, method: str, resource_path: str, **kw: Any) -> tuple[Any, ...]:
        return method, resource_path, {}, kw.get("body"), None

    def call_api(self, method: str, url: str, _h: Any, body: Any, *_: Any, **__: Any) -> JsonAnswer:
        if url in DISCOVERY:
            return JsonAnswer(200, {"resources": DISCOVERY[url]})
        if method == "GET" and url == LIST:
            if self.list_status >= 400:
                return JsonAnswer(self.list_status, {"message": "gitrepositories is forbidden"})
            return JsonAnswer(200, {"items": self.sources})
        if method == "GET" and url == HELM_LIST:
            return JsonAnswer(200, {"items": self.helm_sources})
        assert method == "PATCH", (method, url)
        self.patches.append((url, body))
        name = url.rsplit("/", 1)[1]
        pool = self.helm_sources if "/helmrepositories/" in url else self.sources
        target = next(s for s in pool if s["metadata"]["name"] == name)
        if body[0]["path"] != "/metadata/annotations" and "annotations" not in target["metadata"]:
            return JsonAnswer(422, {"message": "doc is missing path"})
        return JsonAnswer(200, {})


def test_only_sources_of_the_pushed_url_are_asked_at_the_given_time() -> None:
    api = FakeApi(
        [
            _source("flux-system", "homelab", URL, annotated=True),
            _source("flux-system", "other", "https://git.example.invalid/other.git", True),
            _source("team", "fresh", URL, annotated=False),
        ]
    )
    woken = wake_sources(api, URL, NOW)
    assert woken.sources == ("flux-system/homelab", "team/fresh") and woken.error == ""
    patched = {url.rsplit("/", 1)[1] for url, _ in api.patches}
    assert patched == {"homelab", "fresh"}
    first = api.patches[0][1][0]
    assert first["path"] == "/metadata/annotations/reconcile.fluxcd.io~1requestedAt"
    assert first["value"] == "2031-05-04T03:02:01+00:00"
    fallback = api.patches[-1][1][0]  # "fresh" had no annotations: the map is added whole
    assert fallback == {
        "op": "add",
        "path": "/metadata/annotations",
        "value": {REQUESTED_AT: NOW.isoformat()},
    }


def test_a_refused_list_is_reported_not_raised() -> None:
    woken = wake_sources(FakeApi([], list_status=403), URL, NOW)
    assert woken.sources == ()
    assert "HTTP 403" in woken.error and "forbidden" in woken.error


def test_chart_repositories_of_the_published_url_are_asked_too() -> None:
    api = FakeApi(
        [_source("flux-system", "homelab", URL, annotated=True)],
        helm_sources=[
            _source("flux-system", "local-charts", CHARTS + "/", annotated=True),
            _source("flux-system", "upstream", "https://charts.example.invalid", True),
        ],
    )
    woken = wake_sources(api, URL, NOW, CHARTS)
    assert woken.charts == ("flux-system/local-charts",) and woken.error == ""
    assert woken.sources == ("flux-system/homelab",)
    patched = [url for url, _ in api.patches]
    assert patched[0].endswith("/namespaces/flux-system/helmrepositories/local-charts")
    assert len(patched) == 2  # not the upstream repository
    # Without a published chart repository no HelmRepository is touched.
    assert wake_sources(FakeApi([], helm_sources=api.helm_sources), URL, NOW).charts == ()

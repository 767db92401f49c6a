"""The readiness wait watches through short waits; watch_object reads the API's event stream."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

from unideploy.engines.kube.wait import WATCH_UP_TO_S, wait_ready
from unideploy.engines.kube.watch import watch_object

Obj = dict[str, Any]


def deployment(ready: int, version: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": 2, "resourceVersion": version},
        "spec": {"replicas": 2},
        "status": {
            "observedGeneration": 2,
            "replicas": 2,
            "updatedReplicas": 2,
            "readyReplicas": ready,
            "availableReplicas": ready,
        },
    }


class SleepingToken(threading.Event):
    """Records every sleep (and advances the test's clock by it) instead of sleeping."""

    def __init__(self, clock: list[float]) -> None:
        super().__init__()
        self.clock = clock
        self.slept: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.slept.append(timeout or 0.0)
        self.clock[0] += timeout or 0.0
        return self.is_set()


class WatchingReader:
    """GET answers the newest state; a watch yields the states after the one watched from."""

    def __init__(self, states: list[Obj], clock: list[float], step_s: float = 0.01) -> None:
        self.states, self.clock, self.step_s = states, clock, step_s
        self.shown = 0
        self.watches: list[tuple[str, float]] = []
        self.closed = 0
        self.gets = 0

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj | None:
        self.gets += 1
        return self.states[self.shown]

    def list(self, *_: Any) -> list[Obj]:
        return []

    def watch(
        self, api_version: str, kind: str, namespace: str | None, name: str, version: str,
        timeout_s: float,
    ) -> Iterator[Obj | None]:  # fmt: skip
        self.watches.append((version, timeout_s))
        try:
            while self.shown + 1 < len(self.states):
                self.shown += 1
                self.clock[0] += self.step_s
                yield self.states[self.shown]
        finally:
            self.closed += 1


def _wait(
    reader: Any,
    token: SleepingToken,
    clock: list[float],
    *,
    timeout_s: float = 60,
    first_interval_s: float = 0.05,
) -> Any:
    return wait_ready(
        reader,
        [deployment(2, "0")],
        namespace="apps",
        timeout_s=timeout_s,
        interval_s=2,
        first_interval_s=first_interval_s,
        cancel=token,
        clock=lambda: clock[0],
    )


def test_a_short_wait_ends_at_the_change_that_makes_it_ready() -> None:
    clock = [0.0]
    states = [deployment(0, "10"), deployment(1, "11"), deployment(2, "12")]
    reader, token = WatchingReader(states, clock), SleepingToken(clock)
    result = _wait(reader, token, clock)
    assert result.ready
    assert reader.watches == [("10", 0.05)]  # watched from the version looked at
    assert reader.closed == 1
    assert token.slept == []  # never slept: the change ended the wait
    assert clock[0] == 0.02  # two changes of 10 ms each
    assert reader.gets == 1  # the ready copy is the one the watch delivered, not asked for again
    assert [s.message for s in result.statuses] == ["web: 2/2 replicas ready"]


def test_a_watch_that_ends_early_sleeps_the_rest_of_the_wait() -> None:
    clock = [0.0]
    reader, token = WatchingReader([deployment(0, "10")], clock), SleepingToken(clock)
    result = _wait(reader, token, clock, timeout_s=0.1)
    assert result.timed_out
    assert [version for version, _ in reader.watches] == ["10", "10"]
    assert token.slept == [0.05, 0.05]


def test_long_waits_sleep_on_the_token_without_watching() -> None:
    clock = [0.0]
    reader, token = WatchingReader([deployment(0, "10")], clock), SleepingToken(clock)
    result = _wait(reader, token, clock, timeout_s=10, first_interval_s=1.0)
    assert result.timed_out and reader.watches == []
    assert token.slept and all(s > WATCH_UP_TO_S for s in token.slept[:-1])


class StreamingResponse:
    """A urllib3-like streamed answer: iterating gives the body's lines."""

    def __init__(self, status: int, lines: list[bytes]) -> None:
        self.status, self.lines, self.closed, self.released = status, lines, False, False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.lines)

    def close(self) -> None:
        self.closed = True

    def release_conn(self) -> None:
        self.released = True


class StreamingApi:
    def __init__(self, response: StreamingResponse) -> None:
        self.response = response
        self.urls: list[str] = []

    def param_serialize(self, method: str, resource_path: str, **kw: Any) -> tuple[Any, ...]:
        query = "&".join(f"{k}={v}" for k, v in kw["query_params"])
        return method, f"{resource_path}?{query}", kw.get("header_params") or {}, None, None

    def open_stream(self, url: str, headers: Any, timeout: Any) -> StreamingResponse:
        self.urls.append(url)
        return self.response


def _line(kind: str, obj: Obj | None = None) -> bytes:
    return json.dumps({"type": kind, "object": obj or {}}).encode() + b"\n"


def test_watch_object_yields_changes_and_deletion_then_stops_at_an_error() -> None:
    lines = [
        _line("MODIFIED", deployment(1, "11")),
        b"\n",
        _line("BOOKMARK", {"metadata": {"resourceVersion": "12"}}),
        _line("DELETED", deployment(1, "13")),
        _line("ERROR", {"code": 410}),
        _line("MODIFIED", deployment(2, "14")),
    ]
    api = StreamingApi(StreamingResponse(200, lines))
    seen = list(watch_object(api, "/apis/apps/v1/namespaces/apps/deployments", "web", "10", 0.3))
    assert [None if o is None else o["metadata"]["resourceVersion"] for o in seen] == ["11", None]
    (url,) = api.urls
    assert url.startswith("/apis/apps/v1/namespaces/apps/deployments?watch=true&")
    assert "fieldSelector=metadata.name=web" in url and "resourceVersion=10" in url
    assert "timeoutSeconds=1" in url
    assert api.response.closed and api.response.released


def test_a_refused_watch_yields_nothing_and_is_closed() -> None:
    api = StreamingApi(StreamingResponse(403, [_line("MODIFIED", deployment(2, "11"))]))
    assert (
        list(watch_object(api, "/apis/apps/v1/namespaces/apps/deployments", "web", "10", 1)) == []
    )
    assert api.response.closed

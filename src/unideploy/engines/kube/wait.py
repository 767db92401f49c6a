"""Wait until a release's objects are ready: look, wait, look again — watching through short waits.

`wait_ready` looks at every tracked object (engines/kube/readiness.py judges each), then waits
before looking again, first `first_interval_s`, doubling up to `interval_s`. A short wait — while
a rollout may finish any moment, as a scale-up on an idle cluster does in a tenth of a second —
is spent watching the first object still unready (engines/kube/watch.py), and ends as soon as a
change leaves it ready or failed; the next look follows at once, and takes that object as the
watch delivered it instead of asking for a copy no newer. Longer waits, readers that cannot
watch, objects not yet created and any trouble with the watch sleep on the cancel token.
A watch is never longer than `WATCH_UP_TO_S`, so a cancel is seen within that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from unideploy.engines.kube.client import ObjectReader
from unideploy.engines.kube.readiness import (
    Progress,
    ReadinessResult,
    Status,
    Target,
    assess,
    pod_problem,
    targets,
)
from unideploy.errors import EngineError

#: Waits up to this long are spent watching; longer ones sleep on the cancel token.
WATCH_UP_TO_S = 0.8


def _explain(reader: ObjectReader, status: Status, live: Mapping[str, Any] | None) -> Status:
    """Add the first unready pod's reason to a workload that timed out."""
    selector = ((live or {}).get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    if status.ready or not labels or status.target.namespace is None:
        return status
    try:
        pods = reader.list("v1", "Pod", status.target.namespace, labels)
    except EngineError:
        return status
    for pod in sorted(pods, key=lambda p: str((p.get("metadata") or {}).get("name"))):
        problem = pod_problem(pod)
        if problem:
            name = (pod.get("metadata") or {}).get("name")
            return replace(status, message=f"{status.message} (pod {name}: {problem})")
    return status


@dataclass(frozen=True)
class Paused:
    """How a pause ended: cancelled, or at a change `settled` accepted (`latest` is that copy)."""

    cancelled: bool
    settled: bool = False
    latest: Mapping[str, Any] | None = None


def _look(reader: ObjectReader, target: Target) -> Mapping[str, Any] | None:
    return reader.get(target.api_version, target.kind, target.namespace, target.name)


def _settled(target: Target | None, obj: Mapping[str, Any] | None) -> bool:
    if target is None:
        return True
    status = assess(target, obj)
    return status.ready or status.failed


def wait_ready(
    reader: ObjectReader,
    manifests: Iterable[Mapping[str, Any]],
    *,
    namespace: str,
    timeout_s: float = 300.0,
    interval_s: float = 2.0,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    first_interval_s: float | None = None,
) -> ReadinessResult:
    """Poll until every tracked object is ready, one fails, time runs out, or `cancel` is set.

    Polls come `first_interval_s` apart at first, doubling up to `interval_s` (a rollout that is
    nearly done, as after Helm's own wait, is seen at once; a long one costs few requests). Short
    waits watch the first unready object and end at its change to ready (engines/kube/settle.py).

    `progress` receives a message each time an object's state changes ("web: 2/3 replicas ready").
    Transient API errors count as "not ready yet"; other API errors are raised. On a timeout,
    each unready workload's message ends with its first unready pod's reason.
    """
    watch = targets(manifests, namespace)
    token = cancel if cancel is not None else threading.Event()
    start = clock()
    last: dict[Target, str] = {}
    seen: dict[Target, Mapping[str, Any] | None] = {}
    watched: dict[Target, Mapping[str, Any] | None] = {}
    statuses: list[Status] = []
    delay = interval_s if first_interval_s is None else min(first_interval_s, interval_s)
    while True:
        statuses = []
        for target in watch:
            try:
                live = watched.pop(target) if target in watched else _look(reader, target)
                seen[target] = live
                status = assess(target, live)
            except EngineError as exc:
                if not exc.retryable:
                    raise
                status = Status(target, False, f"{target.name}: API not reachable ({exc.message})")
            statuses.append(status)
            if progress is not None and last.get(target) != status.message:
                progress(status.message)
            last[target] = status.message
        elapsed = clock() - start
        if all(s.ready for s in statuses):
            return ReadinessResult(True, tuple(statuses), elapsed)
        if any(s.failed for s in statuses):
            return ReadinessResult(False, tuple(statuses), elapsed)
        if elapsed >= timeout_s:
            explained = tuple(_explain(reader, st, seen.get(st.target)) for st in statuses)
            return ReadinessResult(False, explained, elapsed, timed_out=True)
        first = next((s.target for s in statuses if not s.ready), None)
        paused = pause(
            reader,
            first,
            seen.get(first) if first is not None else None,
            min(delay, max(timeout_s - elapsed, 0.0)),
            token,
            partial(_settled, first),
            clock,
        )
        if paused.cancelled:
            return ReadinessResult(False, tuple(statuses), clock() - start, cancelled=True)
        if paused.settled and first is not None:
            watched[first] = paused.latest
        delay = min(delay * 2, interval_s)


def pause(
    reader: Any,
    target: Any,
    live: Mapping[str, Any] | None,
    seconds: float,
    token: threading.Event,
    settled: Callable[[Mapping[str, Any] | None], bool],
    clock: Callable[[], float],
) -> Paused:
    """Wait up to `seconds`, or until `target` changes to a state `settled` accepts.

    `target` has api_version, kind, namespace and name; `live` is its copy at the last look.
    """
    watch = getattr(reader, "watch", None)
    version = ((live or {}).get("metadata") or {}).get("resourceVersion")
    if watch is None or target is None or not version or seconds > WATCH_UP_TO_S:
        return Paused(token.wait(seconds))
    deadline = clock() + seconds
    changes = watch(
        target.api_version, target.kind, target.namespace, target.name, str(version), seconds
    )
    try:
        for obj in changes:
            if token.is_set():
                return Paused(True)
            if settled(obj):
                return Paused(False, settled=True, latest=obj)
            if clock() >= deadline:
                return Paused(False)
    finally:
        close = getattr(changes, "close", None)
        if close is not None:
            close()
    return Paused(token.wait(max(deadline - clock(), 0.0)))  # the watch ended early: sleep the rest

"""Readiness rules per kind, and the wait loop: progress, timeout, early failure, cancellation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from unideploy.engines.kube.readiness import Target, assess, pod_problem, targets
from unideploy.engines.kube.wait import wait_ready
from unideploy.errors import EngineError

Obj = dict[str, Any]


def deployment(
    name: str = "web",
    *,
    replicas: int = 3,
    gen: int = 2,
    observed: int = 2,
    updated: int = 3,
    ready: int = 3,
    available: int = 3,
    total: int | None = None,
    conditions: list[Obj] | None = None,
) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "apps", "generation": gen},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "replicas": updated if total is None else total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": conditions or [],
        },
    }


def target_of(obj: Obj) -> Target:
    (found,) = targets([obj], "apps")
    return found


@pytest.mark.parametrize(
    ("kwargs", "ready", "message"),
    [
        ({}, True, "web: 3/3 replicas ready"),
        ({"ready": 2}, False, "web: 2/3 replicas ready"),
        ({"observed": 1}, False, "web: waiting for the controller to observe generation 2"),
        ({"updated": 1, "ready": 3}, False, "web: 1/3 replicas updated"),
        ({"total": 4}, False, "web: 1 old replica(s) pending termination"),
        ({"available": 1}, False, "web: 1/3 replicas available"),
    ],
)
def test_deployment_rules(kwargs: dict[str, Any], ready: bool, message: str) -> None:
    obj = deployment(**kwargs)
    status = assess(target_of(obj), obj)
    assert (status.ready, status.message, status.failed) == (ready, message, False)


def test_deployment_past_its_progress_deadline_fails() -> None:
    obj = deployment(
        ready=1,
        conditions=[
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        ],
    )
    status = assess(target_of(obj), obj)
    assert status.failed and not status.ready


def test_statefulset_waits_for_the_update_revision() -> None:
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": 1},
        "spec": {"replicas": 2},
        "status": {
            "observedGeneration": 1,
            "replicas": 2,
            "updatedReplicas": 2,
            "readyReplicas": 2,
            "currentRevision": "db-1",
            "updateRevision": "db-2",
        },
    }
    assert not assess(target_of(obj), obj).ready
    obj["status"]["currentRevision"] = "db-2"
    status = assess(target_of(obj), obj)
    assert status.ready and status.message == "db: 2/2 replicas ready"


def test_daemonset_counts_scheduled_pods() -> None:
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "generation": 1},
        "status": {
            "observedGeneration": 1,
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "updatedNumberScheduled": 3,
            "numberReady": 2,
            "numberAvailable": 2,
        },
    }
    assert assess(target_of(obj), obj).message == "agent: 2/3 replicas ready"
    obj["status"].update(numberReady=3, numberAvailable=3)
    assert assess(target_of(obj), obj).ready


def test_jobs_complete_or_fail() -> None:
    job: Obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {"completions": 1},
        "status": {},
    }
    assert assess(target_of(job), job).message == "migrate: 0/1 completions"
    job["status"] = {
        "conditions": [{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]
    }
    failed = assess(target_of(job), job)
    assert failed.failed and "BackoffLimitExceeded" in failed.message
    job["status"] = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
    assert assess(target_of(job), job).ready


def test_pvc_service_and_certificate_rules() -> None:
    pvc: Obj = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "status": {"phase": "Pending"},
    }
    assert assess(target_of(pvc), pvc).message == "data: Pending"
    pvc["status"]["phase"] = "Bound"
    assert assess(target_of(pvc), pvc).ready
    svc: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "edge"},
        "spec": {"type": "LoadBalancer"},
        "status": {},
    }
    assert assess(target_of(svc), svc).message == "edge: waiting for a load-balancer address"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "192.168.1.200"}]}}
    assert assess(target_of(svc), svc).message == "edge: address 192.168.1.200"
    cert: Obj = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "tls"},
        "status": {
            "conditions": [{"type": "Ready", "status": "False", "message": "Issuing certificate"}]
        },
    }
    assert assess(target_of(cert), cert).message == "tls: Issuing certificate"
    cert["status"]["conditions"][0]["status"] = "True"
    assert assess(target_of(cert), cert).ready


def test_only_objects_with_a_readiness_notion_are_tracked() -> None:
    manifests = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "plain"},
            "spec": {"type": "ClusterIP"},
        },
        {"apiVersion": "example.com/v1", "kind": "Certificate", "metadata": {"name": "other"}},
        deployment("web"),
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}},
    ]
    assert [str(t) for t in targets(manifests, "apps")] == [
        "Deployment apps/web",
        "PersistentVolumeClaim apps/data",
    ]


class FakeReader:
    """An ObjectReader whose objects change as the test advances its clock."""

    def __init__(
        self, states: Callable[[float], Obj | None], clock: list[float], pods: Sequence[Obj] = ()
    ) -> None:
        self.states = states
        self.clock = clock
        self.calls = 0
        self.pods = list(pods)
        self.selectors: list[dict[str, str]] = []

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj | None:
        self.calls += 1
        return self.states(self.clock[0])

    def list(
        self, api_version: str, kind: str, namespace: str, selector: Mapping[str, str]
    ) -> list[Obj]:
        assert (api_version, kind) == ("v1", "Pod")
        self.selectors.append(dict(selector))
        return self.pods


class SteppingEvent(threading.Event):
    """A cancel token whose wait() advances the fake clock instead of sleeping."""

    def __init__(self, clock: list[float], cancel_at: float | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.cancel_at = cancel_at

    def wait(self, timeout: float | None = None) -> bool:
        self.clock[0] += timeout or 0.0
        if self.cancel_at is not None and self.clock[0] >= self.cancel_at:
            self.set()
        return self.is_set()


def rolling_out(now: float) -> Obj:
    return deployment(ready=min(3, int(now // 2)), available=min(3, int(now // 2)))


def test_wait_reports_progress_and_succeeds() -> None:
    clock = [0.0]
    messages: list[str] = []
    result = wait_ready(
        FakeReader(rolling_out, clock),
        [deployment()],
        namespace="apps",
        timeout_s=60,
        interval_s=2,
        cancel=SteppingEvent(clock),
        progress=messages.append,
        clock=lambda: clock[0],
    )
    assert result.ready and not result.timed_out
    assert messages == [
        "web: 0/3 replicas ready",
        "web: 1/3 replicas ready",
        "web: 2/3 replicas ready",
        "web: 3/3 replicas ready",
    ]
    assert result.summary().startswith("1 object(s) ready after 6 s")


def test_wait_times_out_naming_what_is_not_ready() -> None:
    clock = [0.0]
    stuck = FakeReader(lambda now: deployment(ready=2, available=2), clock)
    result = wait_ready(
        stuck,
        [deployment()],
        namespace="apps",
        timeout_s=10,
        interval_s=3,
        cancel=SteppingEvent(clock),
        clock=lambda: clock[0],
    )
    assert not result.ready and result.timed_out
    assert [s.message for s in result.not_ready] == ["web: 2/3 replicas ready"]
    assert result.summary() == "not ready after 10 s: Deployment apps/web: web: 2/3 replicas ready"


def test_a_failed_job_ends_the_wait_at_once() -> None:
    clock = [0.0]
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "m"},
        "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "Boom"}]},
    }
    reader = FakeReader(lambda now: job, clock)
    result = wait_ready(
        reader,
        [job],
        namespace="apps",
        timeout_s=300,
        cancel=SteppingEvent(clock),
        clock=lambda: clock[0],
    )
    assert not result.ready and not result.timed_out and reader.calls == 1
    assert result.summary() == "failed: Job apps/m: m: job failed: Boom"


def test_cancel_stops_the_wait() -> None:
    clock = [0.0]
    stuck = FakeReader(lambda now: None, clock)
    result = wait_ready(
        stuck,
        [deployment()],
        namespace="apps",
        timeout_s=300,
        interval_s=2,
        cancel=SteppingEvent(clock, cancel_at=5),
        clock=lambda: clock[0],
    )
    assert result.cancelled and not result.ready and clock[0] < 10
    assert "web: not found yet" in result.summary()


def test_transient_api_errors_count_as_not_ready_others_raise() -> None:
    clock = [0.0]

    def flaky(now: float) -> Obj:
        if now < 4:
            raise EngineError("connection refused", retryable=True)
        return deployment()

    result = wait_ready(
        FakeReader(flaky, clock),
        [deployment()],
        namespace="apps",
        timeout_s=30,
        interval_s=2,
        cancel=SteppingEvent(clock),
        clock=lambda: clock[0],
    )
    assert result.ready

    def forbidden(now: float) -> Obj:
        raise EngineError("HTTP 403 Forbidden")

    with pytest.raises(EngineError, match="403"):
        wait_ready(
            FakeReader(forbidden, clock),
            [deployment()],
            namespace="apps",
            cancel=SteppingEvent(clock),
            clock=lambda: clock[0],
        )


def test_nothing_to_wait_for_is_ready_at_once() -> None:
    clock = [0.0]
    reader = FakeReader(lambda now: None, clock)
    result = wait_ready(
        reader,
        [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}],
        namespace="apps",
        cancel=SteppingEvent(clock),
        clock=lambda: clock[0],
    )
    assert result.ready and reader.calls == 0


def pod(name: str, **status: Any) -> Obj:
    return {"metadata": {"name": name}, "status": status}


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        (
            {
                "containerStatuses": [
                    {
                        "name": "web",
                        "state": {
                            "waiting": {
                                "reason": "ImagePullBackOff",
                                "message": "pull access denied",
                            }
                        },
                    }
                ]
            },
            "web ImagePullBackOff: pull access denied",
        ),
        (
            {
                "containerStatuses": [
                    {"name": "web", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                ]
            },
            "web CrashLoopBackOff",
        ),
        (
            {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "message": "0/1 nodes are available: 1 Insufficient cpu.",
                    }
                ],
            },
            "not scheduled: 0/1 nodes are available: 1 Insufficient cpu.",
        ),
        (
            {
                "phase": "Running",
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "message": "containers with unready status: [web]",
                    }
                ],
            },
            "containers with unready status: [web]",
        ),
        ({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}, None),
        ({"phase": "Pending"}, "phase Pending"),
    ],
)
def test_pod_problem_uses_the_cluster_s_words(status: Obj, problem: str | None) -> None:
    assert pod_problem(pod("p", **status)) == problem


def test_a_timeout_names_the_first_unready_pod_and_why() -> None:
    clock = [0.0]
    live = deployment(ready=0, available=0)
    live["spec"]["selector"] = {"matchLabels": {"app": "web"}}
    pods = [
        pod("web-b", phase="Running", conditions=[{"type": "Ready", "status": "True"}]),
        pod(
            "web-a",
            phase="Running",
            conditions=[
                {
                    "type": "Ready",
                    "status": "False",
                    "message": "containers with unready status: [web]",
                }
            ],
        ),
    ]
    reader = FakeReader(lambda now: live, clock, pods)
    result = wait_ready(
        reader,
        [deployment()],
        namespace="apps",
        timeout_s=4,
        interval_s=2,
        cancel=SteppingEvent(clock),
        clock=lambda: clock[0],
    )
    assert result.timed_out
    assert result.not_ready[0].message == (
        "web: 0/3 replicas ready (pod web-a: containers with unready status: [web])"
    )
    assert reader.selectors == [{"app": "web"}]


def statefulset(strategy: Obj, updated: int, ready: int = 3) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": 2},
        "spec": {"replicas": 3, "updateStrategy": strategy},
        "status": {
            "observedGeneration": 2,
            "replicas": 3,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "currentRevision": "db-1",
            "updateRevision": "db-2",
        },
    }


def test_a_partitioned_statefulset_is_ready_once_the_pods_above_the_partition_are_updated() -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    waiting = statefulset(strategy, updated=0)
    assert assess(target_of(waiting), waiting).message == "db: 0/3 replicas updated"
    done = statefulset(strategy, updated=1)
    assert assess(target_of(done), done).ready


def test_on_delete_workloads_wait_only_for_ready_pods() -> None:
    sts = statefulset({"type": "OnDelete"}, updated=0)
    assert assess(target_of(sts), sts).ready
    unready = statefulset({"type": "OnDelete"}, updated=0, ready=1)
    assert assess(target_of(unready), unready).message == "db: 1/3 replicas ready"
    ds: Obj = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "generation": 1},
        "spec": {"updateStrategy": {"type": "OnDelete"}},
        "status": {
            "observedGeneration": 1,
            "desiredNumberScheduled": 2,
            "currentNumberScheduled": 2,
            "updatedNumberScheduled": 0,
            "numberReady": 2,
            "numberAvailable": 2,
        },
    }
    assert assess(target_of(ds), ds).ready


def test_polls_start_close_together_and_back_off_to_the_interval() -> None:
    clock = [0.0]
    reader = FakeReader(lambda now: deployment(ready=3 if now >= 5 else 0, available=3), clock)
    result = wait_ready(
        reader,
        [deployment()],
        namespace="apps",
        timeout_s=60,
        interval_s=2,
        first_interval_s=0.25,
        cancel=SteppingEvent(clock),
        clock=lambda: clock[0],
    )
    # 0, 0.25, 0.75, 1.75, 3.75, 5.75: 0.25 s apart, doubling, then the 2 s interval.
    assert result.ready and result.elapsed_s == pytest.approx(5.75)
    assert reader.calls == 6

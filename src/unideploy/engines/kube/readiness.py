"""Wait until a release's objects are ready: workloads rolled out, Jobs done, PVCs bound, IPs set.

Input is the rendered objects of one release and an ObjectReader (engines/kube.py); output is a
ReadinessResult naming what is not ready and why. `assess` is pure (one live object → Status) so
the rules are unit-tested without a cluster; `wait_ready` (engines/kube/wait.py) looks again and
again with a timeout and a cancel token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube.client import CLUSTER_SCOPED

Progress = Callable[[str], None]
TRACKED_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "PersistentVolumeClaim",
        "Service",
        "Certificate",
    }
)


@dataclass(frozen=True)
class Target:
    """One object to watch."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclass(frozen=True)
class Status:
    """Where one object stands: ready, still progressing (with why), or failed for good."""

    target: Target
    ready: bool
    message: str
    failed: bool = False


@dataclass(frozen=True)
class ReadinessResult:
    """The outcome of a wait: `ready` only when every tracked object is."""

    ready: bool
    statuses: tuple[Status, ...]
    elapsed_s: float
    timed_out: bool = False
    cancelled: bool = False

    @property
    def not_ready(self) -> tuple[Status, ...]:
        """Objects still not ready (including failed ones)."""
        return tuple(s for s in self.statuses if not s.ready)

    @property
    def failed(self) -> tuple[Status, ...]:
        """Objects that failed for good (a failed Job, a Deployment past its progress deadline)."""
        return tuple(s for s in self.statuses if s.failed)

    def summary(self) -> str:
        """One line: all ready, or what is not ready and why."""
        if self.ready:
            return f"{len(self.statuses)} object(s) ready after {self.elapsed_s:.0f} s"
        why = "; ".join(f"{s.target}: {s.message}" for s in self.not_ready)
        if self.cancelled:
            return f"cancelled while waiting: {why}"
        if self.failed:
            return f"failed: {why}"
        return f"not ready after {self.elapsed_s:.0f} s: {why}"


def targets(manifests: Iterable[Mapping[str, Any]], namespace: str) -> list[Target]:
    """The objects worth waiting for, in the given order (Services only of type LoadBalancer)."""
    found: list[Target] = []
    for obj in manifests:
        kind = str(obj.get("kind", ""))
        api_version = str(obj.get("apiVersion", ""))
        if kind not in TRACKED_KINDS:
            continue
        if kind == "Certificate" and not api_version.startswith("cert-manager.io/"):
            continue
        if kind == "Service" and (obj.get("spec") or {}).get("type") != "LoadBalancer":
            continue
        meta = obj.get("metadata") or {}
        ns = None if kind in CLUSTER_SCOPED else str(meta.get("namespace") or namespace)
        found.append(Target(api_version, kind, ns, str(meta.get("name", ""))))
    return found


def _condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return None


def _rollout(
    target: Target, obj: Mapping[str, Any], desired_key: str, counts: dict[str, int]
) -> Status:
    """Shared rule for Deployments/StatefulSets/DaemonSets: observed, updated, ready, available."""
    name = target.name
    generation = int((obj.get("metadata") or {}).get("generation") or 0)
    observed = int((obj.get("status") or {}).get("observedGeneration") or 0)
    desired = counts[desired_key]
    if observed < generation:
        return Status(
            target, False, f"{name}: waiting for the controller to observe generation {generation}"
        )
    if counts["updated"] < desired:
        return Status(target, False, f"{name}: {counts['updated']}/{desired} replicas updated")
    if counts["total"] > counts["updated"]:
        old = counts["total"] - counts["updated"]
        return Status(target, False, f"{name}: {old} old replica(s) pending termination")
    if counts["ready"] < desired:
        return Status(target, False, f"{name}: {counts['ready']}/{desired} replicas ready")
    if counts["available"] < desired:
        return Status(target, False, f"{name}: {counts['available']}/{desired} replicas available")
    return Status(target, True, f"{name}: {counts['ready']}/{desired} replicas ready")


def _workload(target: Target, obj: Mapping[str, Any]) -> Status:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if target.kind == "DaemonSet":
        counts = {
            "desired": int(status.get("desiredNumberScheduled") or 0),
            "updated": int(status.get("updatedNumberScheduled") or 0),
            "total": int(status.get("currentNumberScheduled") or 0),
            "ready": int(status.get("numberReady") or 0),
            "available": int(status.get("numberAvailable") or 0),
        }
        if strategy.get("type") == "OnDelete":  # pods are replaced by hand: nothing to roll out
            counts["updated"] = counts["total"] = counts["desired"]
        return _rollout(target, obj, "desired", counts)
    replicas = spec.get("replicas")
    counts = {
        "desired": 1 if replicas is None else int(replicas),
        "updated": int(status.get("updatedReplicas") or 0),
        "total": int(status.get("replicas") or 0),
        "ready": int(status.get("readyReplicas") or 0),
        "available": int(status.get("availableReplicas") or 0),
    }
    if target.kind == "Deployment":
        progressing = _condition(obj, "Progressing")
        if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
            return Status(target, False, f"{target.name}: progress deadline exceeded", failed=True)
    if target.kind == "StatefulSet":
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        if strategy.get("type") == "OnDelete" or partition > 0:
            # Only the pods at or above the partition are updated (none with OnDelete).
            wanted = 0 if strategy.get("type") == "OnDelete" else counts["desired"] - partition
            if counts["updated"] >= wanted:
                counts["updated"] = counts["total"] = counts["desired"]
        elif status.get("updateRevision") and status.get("currentRevision") != status.get(
            "updateRevision"
        ):
            counts["total"] = max(counts["total"], counts["updated"] + 1)
        if "availableReplicas" not in status:
            counts["available"] = counts["ready"]
    return _rollout(target, obj, "desired", counts)


def _job(target: Target, obj: Mapping[str, Any]) -> Status:
    failed = _condition(obj, "Failed")
    if failed and failed.get("status") == "True":
        why = failed.get("message") or failed.get("reason") or "failed"
        return Status(target, False, f"{target.name}: job failed: {why}", failed=True)
    complete = _condition(obj, "Complete")
    if complete and complete.get("status") == "True":
        return Status(target, True, f"{target.name}: complete")
    status = obj.get("status") or {}
    wanted = (obj.get("spec") or {}).get("completions") or 1
    return Status(
        target, False, f"{target.name}: {int(status.get('succeeded') or 0)}/{wanted} completions"
    )


def assess(target: Target, obj: Mapping[str, Any] | None) -> Status:
    """Judge one live object (None: it does not exist yet)."""
    if obj is None:
        return Status(target, False, f"{target.name}: not found yet")
    if target.kind in ("Deployment", "StatefulSet", "DaemonSet"):
        return _workload(target, obj)
    if target.kind == "Job":
        return _job(target, obj)
    status = obj.get("status") or {}
    if target.kind == "PersistentVolumeClaim":
        phase = status.get("phase") or "Pending"
        if phase == "Lost":
            return Status(target, False, f"{target.name}: volume lost", failed=True)
        return Status(target, phase == "Bound", f"{target.name}: {phase}")
    if target.kind == "Service":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        if ingress:
            addr = ingress[0].get("ip") or ingress[0].get("hostname") or "?"
            return Status(target, True, f"{target.name}: address {addr}")
        return Status(target, False, f"{target.name}: waiting for a load-balancer address")
    if target.kind == "Certificate":
        cond = _condition(obj, "Ready")
        if cond and cond.get("status") == "True":
            return Status(target, True, f"{target.name}: certificate ready")
        why = (cond or {}).get("message") or (cond or {}).get("reason") or "not issued yet"
        return Status(target, False, f"{target.name}: {why}")
    return Status(target, True, f"{target.name}: present")


def pod_problem(pod: Mapping[str, Any]) -> str | None:
    """Why one pod is not ready, in the words the cluster uses; None when it is fine."""
    status = pod.get("status") or {}
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        stuck = state.get("waiting") or state.get("terminated") or {}
        if stuck.get("reason") and stuck.get("reason") != "Completed":
            detail = f": {stuck['message']}" if stuck.get("message") else ""
            return f"{container.get('name')} {stuck['reason']}{detail}"
    scheduled = _condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        return f"not scheduled: {scheduled.get('message') or scheduled.get('reason')}"
    ready = _condition(pod, "Ready")
    if ready and ready.get("status") == "False":
        return str(ready.get("message") or ready.get("reason") or "not ready")
    return None if ready else f"phase {status.get('phase') or 'Pending'}"

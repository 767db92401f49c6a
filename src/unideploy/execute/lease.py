"""The cluster-side environment lock: a coordination.k8s.io/v1 Lease named `unideploy-<env>`.

Taken with optimistic concurrency (resourceVersion), renewed by a background thread while the run
lasts, released by clearing the holder. A Lease not renewed within leaseDurationSeconds (by this
machine's clock: keep clocks in sync) is stale and may be taken over. Requests go through the one
raw REST call (engines/kube/rest.py): the client's generated API classes cost a second to import.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from unideploy.engines.kube.client import api_client as kube_client
from unideploy.engines.kube.rest import ApiClient, call
from unideploy.errors import EngineError
from unideploy.execute.lockbase import LOCK_NAMESPACE, EnvironmentLock, LockHolder, locked_error
from unideploy.execute.result import utcnow

log = logging.getLogger(__name__)
MANAGED = {"app.kubernetes.io/managed-by": "unideploy"}
REQUEST_TIMEOUT = (5.0, 30.0)  # connect, read: a hung apiserver must not hang a deploy


def api_client(kubeconfig: Path | str, context: str | None = None) -> ApiClient:
    """The engines' API client for `kubeconfig` (and `context`, if given)."""
    return kube_client(kubeconfig, context)


def ensure_namespace(api: ApiClient, namespace: str) -> None:
    """Create `namespace` if it does not exist yet."""
    status, _, reason = _request(api, "GET", f"/api/v1/namespaces/{namespace}")
    if status < 400:
        return
    if status != 404:
        raise _api_error(status, reason, f"read namespace {namespace}")
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": MANAGED},
    }
    status, _, reason = _request(api, "POST", "/api/v1/namespaces", body)
    if status >= 400 and status != 409:
        raise _api_error(status, reason, f"create namespace {namespace}")


def _request(
    api: ApiClient, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any, str]:
    """(status, JSON, reason); an unreachable apiserver is status 0, judged like any failure."""
    try:
        return call(api, method, path, body=body, timeout=REQUEST_TIMEOUT)
    except EngineError as exc:
        return 0, None, f"cannot reach the apiserver: {exc.message.rsplit(': ', 1)[-1]}"


def _api_error(status: int, reason: str, doing: str) -> EngineError:
    retryable = status in (0, 429, 500, 502, 503, 504)
    hint = "check RBAC for leases in the lock namespace" if status == 403 else None
    if status == 0:
        hint = "is the cluster up? `unideploy sandbox status` for the local one"
    what = reason if status == 0 else f"{status} {reason}"
    return EngineError(f"cannot {doing}: {what}", hint=hint, retryable=retryable)


def _micro(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def holder_of(lease: dict[str, Any]) -> LockHolder | None:
    """Return the holder a Lease names, or None if its holder is empty (released)."""
    spec = lease.get("spec") or {}
    identity = spec.get("holderIdentity")
    if not identity:
        return None
    renewed = _parse_time(spec.get("renewTime"))
    duration = spec.get("leaseDurationSeconds")
    expires = renewed + timedelta(seconds=duration) if renewed and duration else None
    return LockHolder(
        identity=identity,
        since=_parse_time(spec.get("acquireTime")),
        renewed=renewed,
        expires=expires,
    )


class LeaseLock(EnvironmentLock):
    """An environment lock held as a Lease in `namespace`, renewed while held."""

    def __init__(
        self,
        api: ApiClient,
        environment: str,
        *,
        identity: str,
        namespace: str = LOCK_NAMESPACE,
        timeout: float = 0.0,
        duration: int = 60,
        renew_every: float | None = None,
        poll: float = 1.0,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self.environment = environment
        self.name = f"unideploy-{environment}"
        self.namespace = namespace
        self.identity = identity
        self.timeout = timeout
        self.duration = duration
        self.renew_every = renew_every if renew_every is not None else duration / 3
        self.poll = poll
        self.on_lost = on_lost
        self.lost = threading.Event()
        self._api = api
        self._path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def read(self) -> dict[str, Any] | None:
        """Return the Lease as JSON, or None if it does not exist."""
        status, data, reason = _request(self._api, "GET", f"{self._path}/{self.name}")
        if status == 404:
            return None
        if status >= 400 or status == 0 or not isinstance(data, dict):
            raise _api_error(status, reason, f"read lease {self.namespace}/{self.name}")
        return data

    def holder(self) -> LockHolder | None:
        """Return the current holder, or None if the Lease is free or missing."""
        lease = self.read()
        return holder_of(lease) if lease else None

    def acquire(self) -> None:
        """Take the Lease (creating it and its namespace if missing), waiting up to `timeout`."""
        began = time.monotonic()
        while True:
            lease = self.read()
            holder = holder_of(lease) if lease else None
            now = utcnow()
            free = holder is None or holder.identity == self.identity
            stale = holder is not None and holder.expires is not None and holder.expires < now
            if (free or stale) and self._write(lease, take=True):
                if stale and holder is not None:
                    log.warning("took over stale lock of %s", holder.describe())
                self._start_renewing()
                return
            if not (free or stale):
                waited = time.monotonic() - began
                if waited >= self.timeout:
                    raise locked_error(self.environment, holder, self.timeout)
                time.sleep(min(self.poll, self.timeout - waited))

    def release(self) -> None:
        """Stop renewing and clear the holder if it is still us; log, never raise, on failure."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=30)
            self._renewer = None
        else:
            return
        for _ in range(5):
            try:
                lease = self.read()
                holder = holder_of(lease) if lease else None
                if holder is None or holder.identity != self.identity:
                    return
                if self._write(lease, take=False, release=True):
                    return
            except EngineError as exc:
                log.warning("could not release lock %s: %s", self.name, exc.message)
                time.sleep(0.5)
        log.warning(
            "lock %s not released; it expires %s s after its last renewal", self.name, self.duration
        )

    def force_release(self) -> LockHolder | None:
        """Clear whoever holds the Lease (for a dead run); return who that was."""
        for _ in range(5):
            lease = self.read()
            holder = holder_of(lease) if lease else None
            if holder is None or self._write(lease, take=False, release=True):
                return holder
        raise EngineError(f"lease {self.namespace}/{self.name} kept changing; try again")

    def _write(self, lease: dict[str, Any] | None, *, take: bool, release: bool = False) -> bool:
        """Create or replace the Lease; False when someone else changed it first (409)."""
        now = _micro(utcnow())
        spec: dict[str, Any] = dict((lease or {}).get("spec") or {})
        if take:
            if spec.get("holderIdentity") != self.identity:
                spec["acquireTime"] = now
                spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (
                    1 if lease else 0
                )
            spec.update(holderIdentity=self.identity, leaseDurationSeconds=self.duration)
        if release:
            spec.pop("holderIdentity", None)
            spec["leaseDurationSeconds"] = 1
        spec["renewTime"] = now
        meta: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        meta["labels"] = {**MANAGED, "unideploy.io/environment": self.environment}
        if lease:
            meta["resourceVersion"] = lease["metadata"]["resourceVersion"]
            meta["annotations"] = dict(lease["metadata"].get("annotations") or {})
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": meta,
            "spec": spec,
        }
        if lease is None:
            status, reason = self._create(body)
        else:
            status, _, reason = _request(self._api, "PUT", f"{self._path}/{self.name}", body)
        if status == 409:
            return False
        if status >= 400 or status == 0:
            raise _api_error(status, reason, f"write lease {self.namespace}/{self.name}")
        return True

    def _create(self, body: dict[str, Any]) -> tuple[int, str]:
        status, _, reason = _request(self._api, "POST", self._path, body)
        if status == 404:  # on create: the namespace does not exist yet
            ensure_namespace(self._api, self.namespace)
            status, _, reason = _request(self._api, "POST", self._path, body)
        return status, reason

    def _start_renewing(self) -> None:
        self._stop.clear()
        self.lost.clear()
        self._renewer = threading.Thread(
            target=self._renew_loop, name=f"unideploy-lease-{self.environment}", daemon=True
        )
        self._renewer.start()

    def _renew_loop(self) -> None:
        last_ok = time.monotonic()
        while not self._stop.wait(self.renew_every):
            try:
                lease = self.read()
                holder = holder_of(lease) if lease else None
                if holder is None or holder.identity != self.identity:
                    self._lose(f"lock taken by {holder.describe() if holder else 'nobody'}")
                    return
                if self._write(lease, take=True):
                    last_ok = time.monotonic()
            except EngineError as exc:
                log.warning("lock renewal failed: %s", exc.message)
            except Exception:
                log.exception("lock renewal failed unexpectedly")
            if time.monotonic() - last_ok > self.duration:
                self._lose(f"not renewed for {self.duration} s")
                return

    def _lose(self, why: str) -> None:
        log.error('lost the lock of environment "%s": %s', self.environment, why)
        self.lost.set()
        if self.on_lost is not None:
            self.on_lost(why)

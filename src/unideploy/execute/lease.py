"""The cluster-side environment lock: a coordination.k8s.io/v1 Lease named `unideploy-<env>`.

Taken with optimistic concurrency (resourceVersion), renewed by a background thread while the run
lasts, released by clearing the holder. A Lease not renewed within leaseDurationSeconds (by this
machine's clock: keep clocks in sync) is stale and may be taken over. Uses the `kubernetes` client.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from unideploy.errors import EngineError
from unideploy.execute.lockbase import LOCK_NAMESPACE, EnvironmentLock, LockHolder, locked_error
from unideploy.execute.result import utcnow

log = logging.getLogger(__name__)
MANAGED = {"app.kubernetes.io/managed-by": "unideploy"}
REQUEST_TIMEOUT = (5.0, 30.0)  # connect, read: a hung apiserver must not hang a deploy


def api_client(kubeconfig: Path | str, context: str | None = None) -> client.ApiClient:
    """Return a kubernetes ApiClient for `kubeconfig` (and `context`, if given)."""
    try:
        settings = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig), context=context, client_configuration=settings
        )
    except (config.ConfigException, OSError) as exc:
        raise EngineError(
            f"cannot use kubeconfig {kubeconfig}: {exc}",
            hint="check the path and the context name (kubectl config get-contexts)",
        ) from exc
    settings.retries = 1  # fail fast on a dead apiserver; callers decide about retrying
    return client.ApiClient(settings)


def ensure_namespace(api: client.ApiClient, namespace: str) -> None:
    """Create `namespace` if it does not exist yet."""
    core: Any = client.CoreV1Api(api)  # Any: we send plain dicts and read raw JSON
    try:
        kcall(core.read_namespace, namespace)
        return
    except ApiException as exc:
        if exc.status != 404:
            raise _api_error(exc, f"read namespace {namespace}") from exc
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": MANAGED},
    }
    try:
        kcall(core.create_namespace, body)
    except ApiException as exc:
        if exc.status != 409:
            raise _api_error(exc, f"create namespace {namespace}") from exc


def kcall(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a kubernetes client method for raw JSON, with timeouts.

    An unreachable apiserver becomes ApiException(status=0), handled like any other API failure.
    """
    try:
        return method(*args, _preload_content=False, _request_timeout=REQUEST_TIMEOUT, **kwargs)
    except urllib3.exceptions.HTTPError as exc:
        detail = str(getattr(exc, "reason", None) or exc).rsplit(": ", 1)[-1].strip("\"')")
        raise ApiException(status=0, reason=f"cannot reach the apiserver: {detail}") from exc


def _api_error(exc: ApiException, doing: str) -> EngineError:
    retryable = exc.status in (0, 429, 500, 502, 503, 504)
    hint = "check RBAC for leases in the lock namespace" if exc.status == 403 else None
    if exc.status == 0:
        hint = "is the cluster up? `unideploy sandbox status` for the local one"
    what = exc.reason if exc.status == 0 else f"{exc.status} {exc.reason}"
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
        api: client.ApiClient,
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
        self._leases: Any = client.CoordinationV1Api(api)  # Any: plain dicts in, raw JSON out
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def read(self) -> dict[str, Any] | None:
        """Return the Lease as JSON, or None if it does not exist."""
        try:
            resp = kcall(self._leases.read_namespaced_lease, self.name, self.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise _api_error(exc, f"read lease {self.namespace}/{self.name}") from exc
        data: dict[str, Any] = json.loads(resp.data)
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
        try:
            if lease is None:
                self._create(body)
            else:
                kcall(self._leases.replace_namespaced_lease, self.name, self.namespace, body)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise _api_error(exc, f"write lease {self.namespace}/{self.name}") from exc
        return True

    def _create(self, body: dict[str, Any]) -> None:
        try:
            kcall(self._leases.create_namespaced_lease, self.namespace, body)
        except ApiException as exc:
            if exc.status != 404:  # 404 on create: the namespace does not exist yet
                raise
            ensure_namespace(self._api, self.namespace)
            kcall(self._leases.create_namespaced_lease, self.namespace, body)

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

"""The environment lock: one run per environment at a time, released whatever happens.

With a cluster it is a coordination.k8s.io Lease (execute/lease.py); without one (dry-run) it is
an fcntl lock on `<state dir>/locks/<env>.lock`. Both refuse a second holder with the same
LockError: who holds it, since when, and how to get out.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from unideploy.errors import LockError
from unideploy.execute.result import local_user, utcnow

LOCK_NAMESPACE = "unideploy-system"


def holder_identity(run_id: str, user: str | None = None) -> str:
    """Return the identity a run holds a lock under: `user@host (run <id>)`."""
    return f"{user or local_user()} (run {run_id})"


def ago(moment: datetime, now: datetime | None = None) -> str:
    """Say how long ago `moment` was, the way a person would ("3 min ago")."""
    seconds = int(max(0.0, ((now or utcnow()) - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"
    return f"{seconds // 86400} days ago"


@dataclass(frozen=True)
class LockHolder:
    """Who holds an environment lock, since when, and (for a Lease) until when unless renewed."""

    identity: str
    since: datetime | None = None
    renewed: datetime | None = None
    expires: datetime | None = None
    pid: int | None = None

    def describe(self, now: datetime | None = None) -> str:
        """Return `alice@laptop (run 0194…), since 14:02:11 UTC (3 min ago)`."""
        if self.since is None:
            return self.identity
        day = "" if (now or utcnow()) - self.since < timedelta(hours=20) else "%Y-%m-%d "
        stamp = self.since.strftime(f"{day}%H:%M:%S UTC")
        return f"{self.identity}, since {stamp} ({ago(self.since, now)})"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (what `lock status --output json` prints)."""
        return {
            "holder": self.identity,
            "since": self.since.isoformat() if self.since else None,
            "renewed": self.renewed.isoformat() if self.renewed else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "pid": self.pid,
        }


def locked_error(environment: str, holder: LockHolder | None, waited: float) -> LockError:
    """Build the error a refused acquisition raises: what, who, since when, and the way out."""
    who = holder.describe() if holder else "another run (holder unknown)"
    waiting = f" after waiting {waited:g} s" if waited > 0 else ""
    return LockError(
        f'environment "{environment}" is locked by {who}{waiting}',
        hint=(
            f"wait for it (--lock-timeout SECONDS), or `unideploy lock release -e {environment}` "
            "if that run is dead"
        ),
    )


class EnvironmentLock:
    """Base of both locks: a context manager that acquires on entry and always releases."""

    environment: str

    def acquire(self) -> None:
        """Take the lock or raise LockError naming the holder."""
        raise NotImplementedError

    def release(self) -> None:
        """Give the lock back; never raises (a failed release only delays the next run)."""
        raise NotImplementedError

    def holder(self) -> LockHolder | None:
        """Return who holds the lock now, or None if it is free."""
        raise NotImplementedError

    def __enter__(self) -> EnvironmentLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class FileLock(EnvironmentLock):
    """An fcntl lock under `<state_dir>/locks/`; the OS drops it when the holder process dies."""

    def __init__(
        self,
        state_dir: Path,
        environment: str,
        *,
        identity: str,
        timeout: float = 0.0,
        poll: float = 0.2,
    ) -> None:
        self.environment = environment
        self.path = Path(state_dir) / "locks" / f"{environment}.lock"
        self.identity = identity
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to `timeout` seconds; LockError names the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                waited = time.monotonic() - began
                if waited >= self.timeout:
                    raise locked_error(
                        self.environment, self._read_holder(), self.timeout
                    ) from None
                time.sleep(min(self.poll, self.timeout - waited))
                continue
            record = {"holder": self.identity, "since": utcnow().isoformat(), "pid": os.getpid()}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
            os.fsync(fd)
            self._fd = fd
            return

    def release(self) -> None:
        """Clear the holder record and drop the lock (a no-op if not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def holder(self) -> LockHolder | None:
        """Return the holder, or None if no process holds the lock."""
        if self._fd is not None:
            return self._read_holder()
        if not self.path.exists():
            return None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._read_holder() or LockHolder("another process (holder unknown)")
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def _read_holder(self) -> LockHolder | None:
        for _ in range(10):  # the holder writes its record right after taking the lock
            try:
                record = json.loads(self.path.read_text() or "null")
            except (OSError, ValueError):
                record = None
            if isinstance(record, dict) and "holder" in record:
                since = record.get("since")
                return LockHolder(
                    identity=str(record["holder"]),
                    since=datetime.fromisoformat(since) if since else None,
                    pid=record.get("pid"),
                )
            time.sleep(0.02)
        return None


def force_release_file(state_dir: Path, environment: str) -> LockHolder | None:
    """`lock release` for a local lock: it ends with its process, so only report a live holder."""
    lock = FileLock(state_dir, environment, identity="")
    holder = lock.holder()
    if holder is None:
        return None
    pid = f"process {holder.pid}" if holder.pid else "a live process"
    raise LockError(
        f'environment "{environment}" is locked by {holder.describe()}, held by {pid} on this host',
        hint="a local lock ends with its process: stop that process, and the lock is free",
    )


def environment_lock(
    environment: str,
    *,
    run_id: str,
    state_dir: Path,
    kube: Any = None,
    namespace: str = LOCK_NAMESPACE,
    timeout: float = 0.0,
    user: str | None = None,
    on_lost: Callable[[str], None] | None = None,
) -> EnvironmentLock:
    """Return the lock for `environment`: a Lease when given a kube ApiClient, else a file lock.

    `on_lost` is called (from the renewal thread) if a held Lease is taken or cannot be renewed;
    a deploy passes `lambda why: runner.cancel(f"lost the environment lock: {why}")`.
    """
    identity = holder_identity(run_id, user)
    if kube is None:
        return FileLock(state_dir, environment, identity=identity, timeout=timeout)
    from unideploy.execute.lease import LeaseLock  # imports the kubernetes client only when needed

    return LeaseLock(
        kube, environment, identity=identity, namespace=namespace, timeout=timeout, on_lost=on_lost
    )

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
from datetime import datetime
from pathlib import Path
from typing import Any

from unideploy.errors import LockError
from unideploy.execute.lockbase import (
    LOCK_NAMESPACE,
    EnvironmentLock,
    LockHolder,
    holder_identity,
    locked_error,
)
from unideploy.execute.result import utcnow


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

"""What every environment lock shares: the holder, the refusal naming it, and the lock interface.

Both locks build on this: the file lock (execute/lock.py) and the Lease (execute/lease.py); neither
imports the other's module to get these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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

"""Frozen results of a run: Status, StepResult, PhaseResult, RunResult.

The runner produces them; reports, metrics and history only read them. Every value round-trips
through `to_dict()` / `from_dict()` as plain JSON, which is how history stores a run.
"""

from __future__ import annotations

import getpass
import os
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from unideploy.exitcodes import ExitCode


class Status(StrEnum):
    """Where a run, phase or step stands, or how it ended."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    WARNED = "warned"
    SKIPPED = "skipped"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def is_failure(self) -> bool:
        """True for outcomes that make the run fail (a rolled-back step failed first)."""
        return self in (Status.FAILED, Status.ROLLED_BACK)

    @property
    def is_ok(self) -> bool:
        """True for outcomes a dependent step may build on (a deliberate skip included)."""
        return self in (
            Status.SUCCEEDED,
            Status.CHANGED,
            Status.UNCHANGED,
            Status.WARNED,
            Status.SKIPPED,
        )


#: The outcomes of a run or step that did its work (history, metrics, gates and notices agree).
OK_STATUSES = (Status.SUCCEEDED, Status.CHANGED, Status.UNCHANGED, Status.WARNED)


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _seconds(started: datetime | None, finished: datetime | None) -> float:
    if started is None or finished is None:
        return 0.0
    return max(0.0, (finished - started).total_seconds())


_id_lock = threading.Lock()
_last_ms = 0
_last_seq = 0


def new_run_id() -> str:
    """Return a new run ID: a UUIDv7 string, so IDs sort by creation time.

    Within one process IDs are strictly increasing even inside one millisecond.
    """
    global _last_ms, _last_seq
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _last_seq += 1
            if _last_seq > 0xFFF:
                ms += 1
                _last_seq = 0
        else:
            _last_seq = secrets.randbelow(0x800)
        _last_ms = ms
        seq = _last_seq
    rand_b = secrets.randbits(62)
    value = (ms << 80) | (0x7 << 76) | (seq << 64) | (0b10 << 62) | rand_b
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def local_user() -> str:
    """Return `user@host` for the person running this process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = os.environ.get("USER") or f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class StackRevision:
    """The git revision of the stack a run deployed; `dirty` means uncommitted changes."""

    commit: str
    dirty: bool

    def __str__(self) -> str:
        return f"{self.commit[:12]}{'+dirty' if self.dirty else ''}"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"commit": self.commit, "dirty": self.dirty}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StackRevision:
        """Rebuild from the JSON form."""
        return cls(commit=str(data["commit"]), dirty=bool(data["dirty"]))


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class StepResult:
    """How one step (e.g. "terraform/networking", "helm/grafana") ended."""

    id: str
    phase: str
    status: Status
    reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    plan_hash: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", _frozen_mapping(self.details))

    @property
    def name(self) -> str:
        """The step's short name: the part of its ID after the phase ("grafana")."""
        return self.id.split("/", 1)[-1]

    @property
    def duration(self) -> float:
        """Wall time in seconds (0 for a step that never started)."""
        return _seconds(self.started_at, self.finished_at)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "id": self.id,
            "phase": self.phase,
            "status": self.status.value,
            "reason": self.reason,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration": round(self.duration, 3),
            "attempts": self.attempts,
            "plan_hash": self.plan_hash,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepResult:
        """Rebuild from the JSON form."""
        return cls(
            id=str(data["id"]),
            phase=str(data["phase"]),
            status=Status(data["status"]),
            reason=data.get("reason"),
            started_at=_from_iso(data.get("started_at")),
            finished_at=_from_iso(data.get("finished_at")),
            attempts=int(data.get("attempts", 0)),
            plan_hash=data.get("plan_hash"),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class PhaseResult:
    """How one phase (preflight, terraform, helm, security, tests) ended, with its steps."""

    name: str
    status: Status
    reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    steps: tuple[StepResult, ...] = ()

    @property
    def duration(self) -> float:
        """Wall time in seconds (0 for a skipped phase)."""
        return _seconds(self.started_at, self.finished_at)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "name": self.name,
            "status": self.status.value,
            "reason": self.reason,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration": round(self.duration, 3),
            "steps": [step.to_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhaseResult:
        """Rebuild from the JSON form."""
        return cls(
            name=str(data["name"]),
            status=Status(data["status"]),
            reason=data.get("reason"),
            started_at=_from_iso(data.get("started_at")),
            finished_at=_from_iso(data.get("finished_at")),
            steps=tuple(StepResult.from_dict(s) for s in data.get("steps", ())),
        )


@dataclass(frozen=True)
class RunResult:
    """The whole record of one run: what ran, in which environment, by whom, and how it ended."""

    run_id: str
    environment: str
    status: Status
    reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    user: str = ""
    revision: StackRevision | None = None
    plan_hash: str | None = None
    flags: Mapping[str, Any] = field(default_factory=dict)
    phases: tuple[PhaseResult, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", _frozen_mapping(self.flags))

    @property
    def duration(self) -> float:
        """Wall time of the run in seconds."""
        return _seconds(self.started_at, self.finished_at)

    @property
    def steps(self) -> tuple[StepResult, ...]:
        """Every step of every phase, in phase order."""
        return tuple(step for phase in self.phases for step in phase.steps)

    def step(self, step_id: str) -> StepResult:
        """Return the step with this ID; KeyError names the known IDs if there is none."""
        for candidate in self.steps:
            if candidate.id == step_id:
                return candidate
        known = ", ".join(s.id for s in self.steps) or "none"
        raise KeyError(f"no step {step_id!r} in run {self.run_id} (steps: {known})")

    def phase(self, name: str) -> PhaseResult:
        """Return the phase with this name; KeyError if the run had no such phase."""
        for candidate in self.phases:
            if candidate.name == name:
                return candidate
        raise KeyError(f"no phase {name!r} in run {self.run_id}")

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code: interrupted 130, failed 1 (or 4), otherwise 0.

        4 (needs a decision) when every failed step is a release refused for fields another
        field manager owns.
        """
        if self.status in (Status.INTERRUPTED, Status.CANCELLED):
            return ExitCode.INTERRUPTED
        if self.status.is_failure:
            failed = [step for step in self.steps if step.status.is_failure]
            if failed and all(step.details.get("needs_decision") for step in failed):
                return ExitCode.NEEDS_DECISION
            return ExitCode.FAILED
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "run_id": self.run_id,
            "environment": self.environment,
            "status": self.status.value,
            "reason": self.reason,
            "exit_code": int(self.exit_code),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration": round(self.duration, 3),
            "user": self.user,
            "revision": self.revision.to_dict() if self.revision else None,
            "plan_hash": self.plan_hash,
            "flags": dict(self.flags),
            "phases": [phase.to_dict() for phase in self.phases],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        """Rebuild from the JSON form."""
        revision = data.get("revision")
        return cls(
            run_id=str(data["run_id"]),
            environment=str(data["environment"]),
            status=Status(data["status"]),
            reason=data.get("reason"),
            started_at=_from_iso(data.get("started_at")),
            finished_at=_from_iso(data.get("finished_at")),
            user=str(data.get("user", "")),
            revision=StackRevision.from_dict(revision) if revision else None,
            plan_hash=data.get("plan_hash"),
            flags=dict(data.get("flags") or {}),
            phases=tuple(PhaseResult.from_dict(p) for p in data.get("phases", ())),
        )

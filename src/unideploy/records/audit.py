"""The audit log: append-only JSONL (`.unideploy/audit.jsonl`), each line chained to the last.

Every line holds its sequence number, the SHA-256 of the previous line's bytes and the SHA-256 of
its own content, so `verify()` names the first changed, removed, inserted or reordered line.
Removing lines from the end leaves a valid shorter chain: compare `head` with a copy kept elsewhere.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.execute.events import Event, Listener, RunFinished, RunStarted
from unideploy.execute.result import utcnow
from unideploy.redact.values import redacted

GENESIS = "0" * 64


def _canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Verification:
    """What `verify()` found: how many lines, the first bad one (1-based) and why, the head hash."""

    lines: int
    head: str
    bad_line: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every line is intact and in order."""
        return self.bad_line is None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (what `audit verify --output json` prints)."""
        return {
            "ok": self.ok,
            "lines": self.lines,
            "head": self.head,
            "bad_line": self.bad_line,
            "problem": self.problem,
        }


class AuditLog:
    """One stack's audit log file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_stack(cls, stack_dir: Path) -> AuditLog:
        """Return the log kept under the stack's `.unideploy/` directory."""
        return cls(Path(stack_dir) / ".unideploy" / "audit.jsonl")

    def append(self, event: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Append one entry (under an exclusive lock, so concurrent writers stay chained).

        Registered secrets in `data` are redacted before the entry is hashed and written.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            seq = 1
            if last:
                try:
                    seq = int(json.loads(last)["seq"]) + 1
                except (ValueError, KeyError, TypeError):
                    seq = sum(1 for _ in self.path.open("rb")) + 1
            entry: dict[str, Any] = {
                "seq": seq,
                "at": utcnow().isoformat(),
                "event": event,
                "data": redacted(dict(data or {})),
                "prev": _sha(last) if last else GENESIS,
            }
            entry["hash"] = _sha(_canonical(entry))
            os.write(fd, _canonical(entry) + b"\n")
            os.fsync(fd)
            return entry
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """Return every entry that parses, in file order (use `verify()` to trust them)."""
        if not self.path.exists():
            return []
        out: list[dict[str, Any]] = []
        for raw in self.path.read_bytes().splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
        return out

    def verify(self) -> Verification:
        """Check the whole chain and name the first line that is not what was written."""
        raw = self.path.read_bytes() if self.path.exists() else b""
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:
            return Verification(len(lines), GENESIS, len(lines), "incomplete last line")
        prev = GENESIS
        for number, line in enumerate(lines, start=1):
            problem = _check_line(line, number, prev)
            if problem is not None:
                return Verification(len(lines), prev, number, problem)
            prev = _sha(line)
        return Verification(len(lines), prev)


def _check_line(line: bytes, number: int, prev: str) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return "not valid JSON: the line was changed"
    if not isinstance(entry, dict) or "hash" not in entry:
        return "not an audit entry: the line was changed"
    claimed = entry.pop("hash")
    if claimed != _sha(_canonical(entry)):
        return "content does not match its hash: the line was changed"
    entry["hash"] = claimed
    if _canonical(entry) != line:
        return "not in the form it was written in: the line was changed"
    if entry.get("prev") != prev:
        return f"does not follow line {number - 1}: lines were removed, inserted or reordered"
    if entry.get("seq") != number:
        return f"has sequence number {entry.get('seq')}: lines were removed or reordered"
    return None


def _last_line(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    if size == 0:
        return b""
    chunk = b""
    offset = size
    while offset > 0:
        step = min(65536, offset)
        offset -= step
        chunk = os.pread(fd, step, offset) + chunk
        body = chunk.rstrip(b"\n")
        if b"\n" in body:
            return body.rsplit(b"\n", 1)[1]
    return chunk.rstrip(b"\n")


def audit_listener(log: AuditLog) -> Listener:
    """Return a runner listener that appends run_started and run_finished entries to `log`."""

    def listen(event: Event) -> None:
        if isinstance(event, RunStarted):
            log.append(
                "run_started",
                {"run_id": event.run_id, "environment": event.environment, "phases": event.phases},
            )
        elif isinstance(event, RunFinished):
            result = event.result
            log.append(
                "run_finished",
                {
                    "run_id": result.run_id,
                    "environment": result.environment,
                    "user": result.user,
                    "status": result.status.value,
                    "exit_code": int(result.exit_code),
                    "reason": result.reason,
                    "revision": result.revision.to_dict() if result.revision else None,
                    "flags": dict(result.flags),
                    "duration": round(result.duration, 3),
                },
            )

    return listen

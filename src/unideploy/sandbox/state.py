"""Where a sandbox keeps its state, its record of itself (state.json), and the process checks.

A component is identified by pid *and* the kernel's start time of that pid, so a recycled pid is
never mistaken for (or killed as) a sandbox component.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unideploy.errors import EngineError

STATE_DIR_ENV = "UNIDEPLOY_SANDBOX_DIR"


@dataclass(frozen=True)
class ProcessRecord:
    """One started component."""

    name: str
    pid: int
    start_ticks: int
    argv: tuple[str, ...]
    log: str


@dataclass
class SandboxState:
    """Everything `status` and `down` need to know about a sandbox started by `up`."""

    state_dir: str
    server: str = ""
    kubeconfig: str = ""
    kubernetes_version: str = ""
    started_at: float = 0.0
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[ProcessRecord] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    webhooks: str = "simulate"
    audit_log: str = ""  # the apiserver's audit log when it writes one
    gitops: dict[str, str] = field(default_factory=dict)  # sandbox.flux.describe, when run

    def to_json(self) -> str:
        """Serialise for state.json."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SandboxState:
        """Parse state.json text; raise EngineError if it is not ours."""
        try:
            raw: dict[str, Any] = json.loads(text)
            procs = [
                ProcessRecord(
                    name=str(p["name"]),
                    pid=int(p["pid"]),
                    start_ticks=int(p["start_ticks"]),
                    argv=tuple(str(a) for a in p["argv"]),
                    log=str(p["log"]),
                )
                for p in raw.get("processes", [])
            ]
            return cls(
                state_dir=str(raw["state_dir"]),
                server=str(raw.get("server", "")),
                kubeconfig=str(raw.get("kubeconfig", "")),
                kubernetes_version=str(raw.get("kubernetes_version", "")),
                started_at=float(raw.get("started_at", 0.0)),
                ports={str(k): int(v) for k, v in raw.get("ports", {}).items()},
                processes=procs,
                nodes=[str(n) for n in raw.get("nodes", [])],
                webhooks=str(raw.get("webhooks", "simulate")),
                audit_log=str(raw.get("audit_log", "")),
                gitops={str(k): str(v) for k, v in raw.get("gitops", {}).items()},
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise EngineError(
                f"the sandbox state file is unreadable: {exc}",
                hint="stop leftover processes by hand, then delete the state file",
            ) from exc


def load(path: Path) -> SandboxState | None:
    """Read state.json, or None when no sandbox was started here."""
    try:
        return SandboxState.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def save(path: Path, state: SandboxState) -> None:
    """Write state.json atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(state.to_json() + "\n", encoding="utf-8")
    tmp.replace(path)


def parse_stat(text: str) -> tuple[str, int]:
    """Return (state letter, start time in clock ticks) from the text of /proc/<pid>/stat."""
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    rest = text[text.rindex(")") + 2 :].split()
    return rest[0], int(rest[19])


def start_ticks(pid: int) -> int | None:
    """Return the start time of a live (non-zombie) `pid`, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    letter, ticks = parse_stat(text)
    if letter in ("Z", "X"):
        reap(pid)
        return None
    return ticks


def alive(record: ProcessRecord) -> bool:
    """Whether the recorded process still runs (same pid, same start time)."""
    return start_ticks(record.pid) == record.start_ticks


def reap(pid: int) -> None:
    """Collect the exit status of `pid` if it is our child; harmless otherwise."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def default_state_dir(start: Path | None = None) -> Path:
    """Return $UNIDEPLOY_SANDBOX_DIR, else `.unideploy/sandbox` beside the nearest stack.yaml.

    The search walks up from `start` (default: the cwd); without a stack.yaml the cwd is used.
    """
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "stack.yaml").is_file():
            return candidate / ".unideploy" / "sandbox"
    return here / ".unideploy" / "sandbox"


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on `root`/.lock; other processes wait for it."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # engines.process.spawn gives each component its own process group
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def stop(record: ProcessRecord, timeout: float) -> bool:
    """Stop a recorded process: SIGTERM, then SIGKILL after `timeout` s. False if already gone."""
    if not alive(record):
        return False
    _signal(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(record):  # alive() also reaps our own exited children
        if time.monotonic() > deadline:
            _signal(record.pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.05)
    return True

"""Start the sandbox's components one by one and wait on each step, failing early and clearly.

`core.Sandbox.up` owns one `Launcher` per start: `start` spawns a component through
engines.process (its log under `logs/`, its pid and start time recorded in state.json at once),
`wait` polls a readiness check until it holds, raising as soon as any started component exits
(with its log's tail), or at the deadline. `timings` are seconds from the launcher's creation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from unideploy.engines import process
from unideploy.errors import EngineError
from unideploy.sandbox import state
from unideploy.sandbox.components import Layout

POLL_S = 0.2


class PortTakenError(EngineError):
    """A component could not bind the free port chosen for it moments earlier."""


class _Handle(Protocol):
    """The part of a started process the launcher uses (engines.process.spawn returns one)."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...


def log_tail(path: Path, lines: int = 8) -> str:
    """The last `lines` of a component's log on one line, or "(no log)"."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


class Launcher:
    """The components started by one `up`, in order, and how long each step took."""

    def __init__(self, layout: Layout, record: state.SandboxState) -> None:
        """Record every start in `record` (saved to the layout's state file)."""
        self.layout, self.record = layout, record
        self.procs: dict[str, _Handle] = {}
        self.timings: dict[str, float] = {}
        self._t0 = time.monotonic()

    def pid(self, name: str) -> int:
        """The pid of a started component."""
        return self.procs[name].pid

    def start(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        """Spawn `argv` as component `name`, its output appended to its log; record it."""
        log_path = self.layout.log(name)
        with log_path.open("ab") as log:
            log.write(f"\n==== unideploy sandbox: starting {name} at {time.ctime()}\n".encode())
            log.flush()
            proc = process.spawn(argv, log=log, cwd=self.layout.root, env=env)
        self.procs[name] = proc
        ticks = state.start_ticks(proc.pid)
        self.record.processes.append(
            state.ProcessRecord(name, proc.pid, ticks or 0, tuple(argv), str(log_path))
        )
        state.save(self.layout.state_file, self.record)

    def wait(self, name: str, step: str, deadline: float, check: Callable[[], bool]) -> None:
        """Poll `check` until true; fail early if any started component exits, or at `deadline`."""
        while time.monotonic() < deadline:
            for started, proc in self.procs.items():
                if proc.poll() is not None:
                    tail = log_tail(self.layout.log(started))
                    error = PortTakenError if "address already in use" in tail else EngineError
                    raise error(
                        f"sandbox {started} exited with code {proc.returncode}: {tail}",
                        hint=f"see {self.layout.log(started)}",
                    )
            try:
                if check():
                    self.timings[step] = round(time.monotonic() - self._t0, 3)
                    return
            except OSError:
                pass
            time.sleep(POLL_S)
        raise EngineError(
            f"sandbox {name} not ready in time (waiting for: {step}): "
            + log_tail(self.layout.log(name)),
            hint=f"see {self.layout.log(name)}; on a busy machine, retry `unideploy sandbox up`",
            retryable=True,
        )

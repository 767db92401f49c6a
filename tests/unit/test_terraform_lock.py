"""The local state lock: who holds it (by pid), stale leftovers, and releasing it safely."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest

from unideploy.engines import process
from unideploy.engines.terraform.lock import (
    holder_pid,
    local_lock,
    lock_info_path,
    release_local_lock,
)
from unideploy.engines.terraform.model import TerraformWorkspace
from unideploy.errors import EngineError

pytestmark = [
    pytest.mark.clock,
    pytest.mark.skipif(sys.platform != "linux", reason="lock holder pids need Linux"),
]

LOCK_ID = "6b1f0c1e-0000-4000-8000-000000000001"
HOLD = """
import fcntl, signal, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
time.sleep(60)
"""


def hold(path: str, ready: EventType, stop: EventType) -> None:
    with open(path, "r+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        ready.set()
        stop.wait(30)


@pytest.fixture
def ws(tmp_path: Path) -> TerraformWorkspace:
    state = tmp_path / "state"
    state.mkdir()
    (state / "terraform.tfstate").write_text("{}")
    return TerraformWorkspace("storage", "development", tmp_path / "module", state)


def write_info(ws: TerraformWorkspace, lock_id: str = LOCK_ID) -> None:
    info = {
        "ID": lock_id,
        "Operation": "OperationTypeApply",
        "Who": "bob@host",
        "Version": "1.15.5",
        "Created": "2026-11-26T10:00:00.000000001Z",
        "Path": str(ws.state_file),
    }
    lock_info_path(ws).write_text(json.dumps(info))


@pytest.fixture
def held_by_python(ws: TerraformWorkspace) -> Iterator[int]:
    """A plain Python process (not Terraform) holding the state file's POSIX lock."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    child = context.Process(target=hold, args=(str(ws.state_file), ready, stop))
    child.start()
    assert ready.wait(30), "the lock holder did not start"
    try:
        assert child.pid is not None
        yield child.pid
    finally:
        stop.set()
        child.join(10)


def test_no_info_file_means_no_lock(ws: TerraformWorkspace) -> None:
    assert local_lock(ws) is None
    assert holder_pid(ws.state_file) is None


def test_info_file_without_a_holder_is_a_stale_lock(ws: TerraformWorkspace) -> None:
    write_info(ws)
    lock = local_lock(ws)
    assert lock is not None
    assert (lock.id, lock.who, lock.held, lock.pid) == (LOCK_ID, "bob@host", False, None)


def test_holder_pid_finds_the_process_holding_the_posix_lock(
    ws: TerraformWorkspace, held_by_python: int
) -> None:
    write_info(ws)
    assert holder_pid(ws.state_file) == held_by_python
    lock = local_lock(ws)
    assert lock is not None and lock.held and lock.pid == held_by_python


def test_releasing_a_stale_lock_removes_its_info_file(ws: TerraformWorkspace) -> None:
    write_info(ws)
    released = release_local_lock(ws, LOCK_ID)
    assert released.id == LOCK_ID and not released.held
    assert not lock_info_path(ws).exists()
    assert local_lock(ws) is None


def test_a_wrong_lock_id_is_refused_and_names_the_current_one(ws: TerraformWorkspace) -> None:
    write_info(ws)
    with pytest.raises(EngineError) as caught:
        release_local_lock(ws, "not-the-id")
    assert LOCK_ID in caught.value.message
    assert caught.value.hint is not None and f"{LOCK_ID} --module storage" in caught.value.hint
    assert lock_info_path(ws).exists()


def test_nothing_to_release_is_an_error(ws: TerraformWorkspace) -> None:
    with pytest.raises(EngineError, match="is not locked"):
        release_local_lock(ws, LOCK_ID)


def test_a_holder_that_is_not_terraform_is_never_signalled(
    ws: TerraformWorkspace, held_by_python: int
) -> None:
    write_info(ws)
    with pytest.raises(EngineError, match="not Terraform"):
        release_local_lock(ws, LOCK_ID)
    assert holder_pid(ws.state_file) == held_by_python  # still alive, still holding


def test_a_live_terraform_holder_is_asked_to_stop_and_the_lock_is_released(
    ws: TerraformWorkspace, tmp_path: Path
) -> None:
    fake = tmp_path / "bin" / "terraform"  # a Python started under the name `terraform`
    fake.parent.mkdir()
    fake.symlink_to(sys.executable)
    ready = tmp_path / "ready"
    with open(tmp_path / "holder.log", "wb") as log:
        child = process.spawn([str(fake), "-c", HOLD, str(ws.state_file), str(ready)], log=log)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        write_info(ws)
        assert holder_pid(ws.state_file) == child.pid
        released = release_local_lock(ws, LOCK_ID, wait=20)
        assert released.held and released.pid == child.pid
        assert child.wait(10) == 0  # it got SIGINT, not SIGKILL
        assert holder_pid(ws.state_file) is None
        assert not lock_info_path(ws).exists()
    finally:
        if child.poll() is None:
            os.kill(child.pid, 9)
            child.wait(5)

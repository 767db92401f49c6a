"""Unit tests: state.json round trip, /proc parsing, liveness by pid and start time."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from unideploy.engines import process
from unideploy.errors import EngineError
from unideploy.sandbox import state


def test_state_round_trips_through_json(tmp_path: Path) -> None:
    record = state.SandboxState(
        state_dir=str(tmp_path),
        server="https://127.0.0.1:1234",
        ports={"kube-apiserver": 1234},
        processes=[state.ProcessRecord("etcd", 42, 99, ("etcd", "--name=x"), "/l/etcd.log")],
        nodes=["sandbox-node-0"],
    )
    state.save(tmp_path / "state.json", record)
    assert state.load(tmp_path / "state.json") == record


def test_missing_state_means_not_started_and_garbage_is_an_error(tmp_path: Path) -> None:
    assert state.load(tmp_path / "state.json") is None
    (tmp_path / "state.json").write_text('{"processes": 3}')
    with pytest.raises(EngineError, match="unreadable"):
        state.load(tmp_path / "state.json")


def test_parse_stat_copes_with_spaces_and_parentheses_in_the_command_name() -> None:
    fields = " ".join(str(n) for n in range(4, 60))
    letter, ticks = state.parse_stat(f"123 (kube (odd) name) S {fields}")
    assert letter == "S"
    assert ticks == 22  # field 22 of /proc/<pid>/stat is the start time


def test_alive_checks_pid_and_start_time() -> None:
    ticks = state.start_ticks(os.getpid())
    assert ticks is not None
    me = state.ProcessRecord("me", os.getpid(), ticks, (), "")
    assert state.alive(me)
    recycled = state.ProcessRecord("me", os.getpid(), ticks + 1, (), "")
    assert not state.alive(recycled)


def _spawned(argv: list[str]) -> state.ProcessRecord:
    proc = process.spawn(argv)
    ticks = state.start_ticks(proc.pid)
    assert ticks is not None
    return state.ProcessRecord("child", proc.pid, ticks, tuple(argv), "")


def test_stop_terminates_a_process_and_reports_when_there_was_nothing_to_stop() -> None:
    record = _spawned(["sleep", "30"])
    assert state.stop(record, timeout=5)
    assert not state.alive(record)
    assert not state.stop(record, timeout=5)


def test_stop_kills_a_process_that_ignores_sigterm() -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)"
    record = _spawned([sys.executable, "-c", code])
    time.sleep(0.3)  # let it install the handler
    started = time.monotonic()
    assert state.stop(record, timeout=0.5)
    assert not state.alive(record)
    assert time.monotonic() - started < 5

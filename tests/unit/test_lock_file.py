"""The local environment lock: exactly one holder, the other told who holds it and since when."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from unideploy.engines.process import spawn
from unideploy.errors import LockError
from unideploy.execute.lock import FileLock, environment_lock, force_release_file
from unideploy.execute.lockbase import LockHolder, holder_identity
from unideploy.execute.runner import Runner
from unideploy.execute.step import Phase, Step, StepContext

pytestmark = pytest.mark.clock


def test_two_threads_exactly_one_proceeds(tmp_path: Path) -> None:
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}
    inside = threading.Event()
    done = threading.Event()

    def deploy(run_id: str) -> None:
        lock = FileLock(tmp_path, "production", identity=holder_identity(run_id, "alice@laptop"))
        barrier.wait()
        try:
            with lock:
                outcomes[run_id] = "proceeded"
                inside.set()
                done.wait(5)
        except LockError as exc:
            outcomes[run_id] = exc.render()

    threads = [threading.Thread(target=deploy, args=(rid,)) for rid in ("run-a", "run-b")]
    for t in threads:
        t.start()
    inside.wait(5)
    deadline = time.monotonic() + 5
    while len(outcomes) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    done.set()
    for t in threads:
        t.join(5)
    assert sorted(outcomes.values()).count("proceeded") == 1
    winner = next(r for r, o in outcomes.items() if o == "proceeded")
    refused = next(o for o in outcomes.values() if o != "proceeded")
    first, hint = refused.splitlines()
    assert re.fullmatch(
        rf'environment "production" is locked by alice@laptop \(run {winner}\), '
        r"since \d\d:\d\d:\d\d UTC \(\d+ s ago\)",
        first,
    )
    assert hint == (
        "  hint: wait for it (--lock-timeout SECONDS), or "
        "`unideploy lock release -e production` if that run is dead"
    )


def test_release_lets_the_next_run_in_and_status_follows(tmp_path: Path) -> None:
    first = FileLock(tmp_path, "dev", identity="a@h (run 1)")
    second = FileLock(tmp_path, "dev", identity="b@h (run 2)")
    assert second.holder() is None
    with first:
        holder = second.holder()
        assert holder is not None and holder.identity == "a@h (run 1)"
        with pytest.raises(LockError):
            second.acquire()
    assert second.holder() is None
    with second:
        assert first.holder() is not None


def test_environments_lock_independently(tmp_path: Path) -> None:
    with FileLock(tmp_path, "dev", identity="a"), FileLock(tmp_path, "prod", identity="b"):
        assert (tmp_path / "locks" / "dev.lock").exists()


def test_waits_up_to_lock_timeout(tmp_path: Path) -> None:
    holder = FileLock(tmp_path, "dev", identity="a@h (run 1)")
    holder.acquire()
    threading.Timer(0.3, holder.release).start()
    began = time.monotonic()
    with FileLock(tmp_path, "dev", identity="b@h (run 2)", timeout=5, poll=0.05) as lock:
        assert lock.holder() is not None
    assert 0.25 < time.monotonic() - began < 4


def test_timeout_expires_with_the_holder_named(tmp_path: Path) -> None:
    with FileLock(tmp_path, "dev", identity="a@h (run 1)"):
        began = time.monotonic()
        with pytest.raises(LockError, match=r"a@h \(run 1\).*after waiting 0.3 s"):
            FileLock(tmp_path, "dev", identity="b", timeout=0.3, poll=0.05).acquire()
        assert time.monotonic() - began >= 0.3


def test_released_even_when_the_run_raises(tmp_path: Path) -> None:
    lock = environment_lock("dev", run_id="r1", state_dir=tmp_path)
    with pytest.raises(RuntimeError), lock:
        raise RuntimeError("terraform exploded")
    assert lock.holder() is None


HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from unideploy.execute.lock import FileLock
    with FileLock(Path(sys.argv[1]), "staging", identity="ci@runner (run r-proc)"):
        print("holding", flush=True)
        time.sleep(60)
    """
)


def test_a_second_process_is_refused_and_a_dead_holder_frees_the_lock(tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(HOLD)
    log_path = tmp_path / "hold.log"
    with log_path.open("wb") as log:
        proc = spawn([sys.executable, str(script), str(tmp_path)], log=log)
    try:
        deadline = time.monotonic() + 60
        while "holding" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(LockError, match=r"locked by ci@runner \(run r-proc\), since"):
            FileLock(tmp_path, "staging", identity="me").acquire()
        with pytest.raises(LockError, match=f"held by process {proc.pid} on this host"):
            force_release_file(tmp_path, "staging")
        record = json.loads((tmp_path / "locks" / "staging.lock").read_text())
        assert record["pid"] == proc.pid
    finally:
        proc.kill()
        proc.wait(10)
    with FileLock(tmp_path, "staging", identity="me") as lock:  # the OS dropped the dead holder
        assert lock.holder() is not None
    assert force_release_file(tmp_path, "staging") is None


def test_describe_says_since_when_and_how_long_ago() -> None:
    now = datetime(2026, 11, 26, 14, 5, 11, tzinfo=UTC)
    holder = LockHolder("alice@laptop (run 0194)", since=now - timedelta(minutes=3))
    assert holder.describe(now) == "alice@laptop (run 0194), since 14:02:11 UTC (3 min ago)"
    old = LockHolder("bob@ci (run 1)", since=now - timedelta(days=2))
    assert old.describe(now) == "bob@ci (run 1), since 2026-11-24 14:05:11 UTC (2 days ago)"


def test_an_interrupted_run_releases_the_lock(tmp_path: Path) -> None:
    seen: list[str | None] = []

    def slow_apply(ctx: StepContext) -> None:
        holder = FileLock(tmp_path, "dev", identity="other").holder()
        seen.append(holder.identity if holder else None)
        os.kill(os.getpid(), signal.SIGINT)
        ctx.sleep(30)

    lock = environment_lock("dev", run_id="r7", state_dir=tmp_path, user="ci@runner")
    with lock:
        result = Runner().run(
            [Phase("terraform", (Step("terraform/net", slow_apply),))], environment="dev"
        )
    assert seen == ["ci@runner (run r7)"]
    assert result.exit_code == 130
    assert FileLock(tmp_path, "dev", identity="other").holder() is None

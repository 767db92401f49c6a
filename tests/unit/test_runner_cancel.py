"""Cancellation: a programmatic cancel, a real SIGINT, and SIGTERM to a separate process → 130."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

from unideploy.engines.process import spawn
from unideploy.execute.events import Event
from unideploy.execute.result import Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Phase, Step, StepContext
from unideploy.exitcodes import ExitCode


def _phases(started: threading.Event, stopped: list[str]) -> list[Phase]:
    def slow(ctx: StepContext) -> None:
        started.set()
        try:
            ctx.sleep(30)
        finally:
            stopped.append(ctx.step_id)

    return [
        Phase(
            "terraform",
            (
                Step("terraform/slow", slow),
                Step("terraform/after", lambda ctx: None, needs=("slow",)),
            ),
        ),
        Phase("helm", (Step("helm/app", lambda ctx: None),)),
    ]


def test_programmatic_cancel_interrupts_the_run() -> None:
    started = threading.Event()
    stopped: list[str] = []
    events: list[Event] = []
    runner = Runner(RunOptions(handle_signals=False, poll_interval=0.01), [events.append])

    def cancel_when_started() -> None:
        started.wait(5)
        runner.cancel("cancelled by the operator")

    threading.Thread(target=cancel_when_started, daemon=True).start()
    began = time.monotonic()
    result = runner.run(_phases(started, stopped), environment="dev")
    assert time.monotonic() - began < 5
    assert stopped == ["terraform/slow"]
    assert result.status is Status.INTERRUPTED
    assert result.exit_code is ExitCode.INTERRUPTED
    assert int(result.exit_code) == 130
    assert result.reason == "cancelled by the operator"
    assert result.step("terraform/slow").status is Status.CANCELLED
    assert result.step("terraform/after").status is Status.SKIPPED
    assert result.step("terraform/after").reason == "not started: run cancelled by the operator"
    assert result.phase("terraform").status is Status.INTERRUPTED
    assert result.phase("helm").status is Status.SKIPPED
    assert result.phase("helm").reason == "run cancelled by the operator"
    assert events[-1].kind == "run_finished"


def test_real_sigint_interrupts_and_handlers_are_restored() -> None:
    assert threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGINT)
    started = threading.Event()
    stopped: list[str] = []

    def send_sigint() -> None:
        started.wait(5)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=send_sigint, daemon=True).start()
    result = Runner(RunOptions(poll_interval=0.01)).run(
        _phases(started, stopped), environment="dev"
    )
    assert result.status is Status.INTERRUPTED
    assert result.reason == "interrupted by SIGINT"
    assert result.exit_code == 130
    assert stopped == ["terraform/slow"]
    assert signal.getsignal(signal.SIGINT) is before


def test_second_cancel_abandons_a_step_that_ignores_the_token() -> None:
    started = threading.Event()

    def stubborn(ctx: StepContext) -> None:
        started.set()
        time.sleep(3)

    runner = Runner(RunOptions(handle_signals=False, poll_interval=0.01, cancel_grace=60))

    def cancel_twice() -> None:
        started.wait(5)
        runner.cancel("interrupted by SIGINT")
        time.sleep(0.05)
        runner.cancel("interrupted by SIGINT")

    threading.Thread(target=cancel_twice, daemon=True).start()
    began = time.monotonic()
    result = runner.run([Phase("helm", (Step("helm/stuck", stubborn),))], environment="dev")
    assert time.monotonic() - began < 2
    assert result.step("helm/stuck").status is Status.CANCELLED
    assert result.exit_code == 130


SCRIPT = textwrap.dedent(
    """
    import json, sys
    from unideploy.execute.runner import Runner
    from unideploy.execute.step import Phase, Step

    def slow(ctx):
        print("step started", flush=True)
        ctx.sleep(60)

    result = Runner().run(
        [Phase("terraform", (Step("terraform/slow", slow), Step("terraform/next", slow)))],
        environment="development",
    )
    print(json.dumps(result.to_dict()), flush=True)
    sys.exit(int(result.exit_code))
    """
)


def test_sigterm_to_a_deploying_process_exits_130(tmp_path: Path) -> None:
    script = tmp_path / "deploy.py"
    script.write_text(SCRIPT)
    log_path = tmp_path / "out.log"
    with log_path.open("wb") as log:
        proc = spawn([sys.executable, str(script)], log=log)
    deadline = time.monotonic() + 60
    while "step started" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "step started" in log_path.read_text()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 130
    record = json.loads(log_path.read_text().splitlines()[-1])
    assert record["status"] == "interrupted"
    assert record["reason"] == "interrupted by SIGTERM"
    assert record["exit_code"] == 130
    statuses = {s["id"]: s["status"] for p in record["phases"] for s in p["steps"]}
    assert statuses == {"terraform/slow": "cancelled", "terraform/next": "cancelled"}

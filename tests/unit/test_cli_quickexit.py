"""The console exit: code, threads, atexit handlers, logging and output kept; teardown skipped."""

from __future__ import annotations

import sys
from pathlib import Path

from unideploy.engines.process import run

PROGRAM = """
import atexit, io, logging, sys, threading, time
from unideploy.cli import quickexit

atexit.register(lambda: print("earlier handler ran", file=sys.stderr))
memory = logging.handlers.MemoryHandler(1000, target=logging.FileHandler(sys.argv[1]))
logging.getLogger().addHandler(memory)
logging.getLogger().warning("held until logging shuts down")
atexit.register(lambda: print("later handler ran", file=sys.stderr))


class Teardown:
    def __del__(self) -> None:
        print("module teardown ran", file=sys.stderr, flush=True)


class UnflushableStdout(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def late_writer() -> None:
    time.sleep(0.2)
    print("worker thread finished", file=sys.stderr, flush=True)


threading.Thread(target=late_writer).start()
marker = Teardown()
sys.stdout.write("buffered, not yet flushed")
how = sys.argv[2]
if how == "unflushable":
    sys.stdout = UnflushableStdout()
if how == "plain-exit":
    sys.exit(4)
quickexit.leave_with(3)
"""


def _run(tmp_path: Path, how: str) -> tuple[int, str, str, str]:
    log = tmp_path / "debug.log"
    program = "import logging.handlers\n" + PROGRAM
    done = run([sys.executable, "-c", program, str(log), how], timeout=60)
    return done.returncode, done.stdout, done.stderr, log.read_text() if log.exists() else ""


def test_the_code_handlers_log_and_output_survive_and_the_teardown_is_skipped(
    tmp_path: Path,
) -> None:
    code, out, err, log = _run(tmp_path, "quick")
    assert code == 3
    assert out == "buffered, not yet flushed"
    # as the interpreter's exit: the running thread joined first, then the handlers, LIFO
    assert err.index("worker thread finished") < err.index("later handler ran")
    assert err.index("later handler ran") < err.index("earlier handler ran")
    assert "held until logging shuts down" in log
    assert "module teardown ran" not in err


def test_a_stream_that_cannot_be_flushed_gets_the_interpreters_usual_exit(tmp_path: Path) -> None:
    code, _, err, log = _run(tmp_path, "unflushable")
    assert code == 120  # CPython's status when flushing stdout fails at exit
    assert "BrokenPipeError" in err
    assert err.count("later handler ran") == 1  # the handlers ran once, not again at the exit
    assert "module teardown ran" in err
    assert "held until logging shuts down" in log


def test_an_exit_that_did_not_go_through_leave_with_is_the_ordinary_one(tmp_path: Path) -> None:
    code, out, err, log = _run(tmp_path, "plain-exit")
    assert code == 4
    assert out == "buffered, not yet flushed"
    assert "later handler ran" in err and "earlier handler ran" in err
    assert "module teardown ran" in err
    assert "held until logging shuts down" in log

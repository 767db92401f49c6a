"""Loading an engine's Go library, even from a worker thread, leaves SIGINT with Python."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import os, signal, threading, time, importlib
got = []
signal.signal(signal.SIGINT, lambda number, frame: got.append(number))
worker = threading.Thread(target=importlib.import_module, args=({module!r},))
worker.start()
worker.join()
time.sleep(0.3)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.3)
print("kept" if got == [signal.SIGINT] else "lost")
"""


@pytest.mark.parametrize(
    "module", ["unideploy.engines.terraform.libtf", "unideploy.engines.helm.lib"]
)
def test_engine_library_loaded_in_a_thread_keeps_sigint(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "kept"

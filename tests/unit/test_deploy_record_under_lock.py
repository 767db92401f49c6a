"""A deploy records its run before it lets the environment lock go."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unideploy.config.load import load_stack
from unideploy.errors import LockError
from unideploy.execute.lock import environment_lock
from unideploy.records.history import History, start_saving_run
from unideploy.service import deploy as service


def test_the_run_is_recorded_while_the_lock_is_still_held(
    make_stack: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = load_stack(make_stack())
    monkeypatch.setenv("KUBECONFIG", str(stack.root / "no-such-kubeconfig"))  # a local lock
    seen: dict[str, Any] = {}

    def record(result: Any, **kwargs: Any) -> Callable[[], list[str]]:
        try:
            with environment_lock("development", run_id="other", state_dir=stack.state_dir):
                seen["lock"] = "free"
        except LockError:
            seen["lock"] = "held"
        return start_saving_run(result, **kwargs)

    monkeypatch.setattr(service, "start_saving_run", record)
    request = service.DeployRequest(
        "development", dry_run=True, skip=frozenset({"terraform", "security", "tests"})
    )
    result = service.deploy(stack, request)
    assert seen == {"lock": "held"}
    recorded = History.for_stack(stack.root).get(result.run_id)
    assert recorded.run_id == result.run_id

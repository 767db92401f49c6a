"""Shared fixtures: a small valid stack on disk that tests copy and break one way at a time."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.sops_tools import REFERENCE_TEST_KEY
from tests.support.stacks import ENV_VALUES, MINI_STACK

REPO_ROOT = Path(__file__).resolve().parents[1]

# The reference stack's development secrets are SOPS-encrypted for a committed TEST KEY ONLY
# (docs/secrets.md). Tests read it as `make test` and sops do, from SOPS_AGE_KEY_FILE; a key of
# the user's own set in the environment takes its place.
os.environ.setdefault("SOPS_AGE_KEY_FILE", str(REFERENCE_TEST_KEY))

pytest_plugins = ["tests.support.clock_shift"]


@pytest.fixture
def make_stack(tmp_path: Path) -> Callable[..., Path]:
    """Write the mini stack (optionally with a replaced stack.yaml) and return its directory."""

    def write(stack_yaml: str | None = None, files: dict[str, str] | None = None) -> Path:
        root = tmp_path / "stack"
        (root / "charts/app/templates").mkdir(parents=True, exist_ok=True)
        (root / "charts/app/Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
        (root / "tf/networking").mkdir(parents=True, exist_ok=True)
        (root / "tf/networking/main.tf").write_text('output "pool" { value = "10.0.0.0/24" }\n')
        (root / "env").mkdir(exist_ok=True)
        (root / "env/development.yaml").write_text(
            ENV_VALUES.format(domain="dev.example", replicas=1)
        )
        (root / "env/production.yaml").write_text(ENV_VALUES.format(domain="example", replicas=3))
        (root / "values").mkdir(exist_ok=True)
        (root / "values/ingress.yaml").write_text("pool: ${terraform.networking.pool}\n")
        text = MINI_STACK if stack_yaml is None else textwrap.dedent(stack_yaml)
        (root / "stack.yaml").write_text(text)
        for name, content in (files or {}).items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        return root

    return write

"""Load stack.yaml into a validated, frozen Stack, every cross-reference checked.

The entry of the config layer: file → YAML with positions → pydantic model → cross-checks (tiers,
needs, duplicates, files that must exist). Every error is a ConfigError at file:line:col + hint.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from unideploy.config.checks import check_stack
from unideploy.config.model import StackFile
from unideploy.config.stack import Stack
from unideploy.config.validation import to_config_error
from unideploy.config.yamlsafe import load_yaml_file
from unideploy.errors import ConfigError, SourceLocation

STACK_FILE_NAME = "stack.yaml"


def find_stack_file(given: Path | None) -> Path:
    """The stack file to use: `given` (a file or a directory holding stack.yaml) or ./stack.yaml."""
    candidate = given if given is not None else Path.cwd()
    if candidate.is_dir():
        candidate = candidate / STACK_FILE_NAME
    if not candidate.is_file():
        raise ConfigError(
            f"no stack file at {candidate}",
            hint="run from the directory holding stack.yaml, or pass --stack PATH",
        )
    return candidate


def load_stack(given: Path | None = None) -> Stack:
    """Load, validate and cross-check the stack file."""
    path = find_stack_file(given)
    shown = _shown(path)
    data, positions = load_yaml_file(path, shown)
    if not isinstance(data, dict):
        raise ConfigError(
            "a stack file must be a mapping with environments and releases",
            hint="see `unideploy schema`",
            location=SourceLocation(shown, 1, 1),
        )
    try:
        model = StackFile.model_validate(data)
    except ValidationError as exc:
        raise to_config_error(exc, StackFile, positions) from exc
    stack = Stack(file=model, path=path.resolve(), positions=positions)
    check_stack(stack)
    return stack


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

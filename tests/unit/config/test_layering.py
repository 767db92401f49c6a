"""Values layering and references: what each release receives in each environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from unideploy.config.layering import deep_merge, load_environment_values, release_values
from unideploy.config.load import load_stack
from unideploy.errors import ConfigError


def test_maps_merge_deeply_and_lists_replace() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    merged = deep_merge(base, {"a": {"c": [3], "e": 2}})
    assert merged == {"a": {"b": 1, "c": [3], "e": 2}, "d": 1}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}


def test_layers_in_order_env_then_values_file_then_set(
    make_stack: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_stack()
    stack = load_stack(root)
    extra = tmp_path / "extra.yaml"
    extra.write_text("global:\n  domain: override.example\nweb:\n  title: from-file\n")
    env = load_environment_values(stack, "production", [extra], ["web.replicas=7"])
    values = release_values(stack, env, stack.release("web"))
    assert values["global"]["domain"] == "override.example"
    assert values["global"]["environment"] == "production"
    assert values["global"]["replicas"] == {"min": 3}
    assert values["title"] == "from-file"
    assert values["replicas"] == 7


def test_release_block_reaches_only_that_release(make_stack: Callable[..., Path]) -> None:
    stack = load_stack(make_stack())
    env = load_environment_values(stack, "development")
    assert release_values(stack, env, stack.release("web"))["replicas"] == 1
    assert "replicas" not in release_values(stack, env, stack.release("api"))


def test_references_resolve_with_types_and_interpolation(make_stack: Callable[..., Path]) -> None:
    root = make_stack(
        files={
            "values/ingress.yaml": (
                "pool: ${terraform.networking.pool}\n"
                "replicas: ${global.replicas.min}\n"
                "host: ingress.${global.domain}\n"
                "literal: $${not.a.reference}\n"
                "env: ${env.name}\n"
            )
        }
    )
    stack = load_stack(root)
    env = load_environment_values(stack, "production")
    pending = release_values(stack, env, stack.release("ingress"))
    assert pending["pool"] == "${terraform.networking.pool}"
    values = release_values(
        stack, env, stack.release("ingress"), {"networking": {"pool": ["10.0.0.1", "10.0.0.9"]}}
    )
    assert values["pool"] == ["10.0.0.1", "10.0.0.9"]
    assert values["replicas"] == 3
    assert values["host"] == "ingress.example"
    assert values["literal"] == "${not.a.reference}"
    assert values["env"] == "production"


def test_missing_terraform_output_is_an_error_once_outputs_exist(
    make_stack: Callable[..., Path],
) -> None:
    stack = load_stack(make_stack())
    env = load_environment_values(stack, "development")
    with pytest.raises(ConfigError, match=r"networking\.pool"):
        release_values(stack, env, stack.release("ingress"), {"networking": {"other": 1}})


def test_inline_values_of_the_stack_are_layered(make_stack: Callable[..., Path]) -> None:
    stack = load_stack(make_stack())
    env = load_environment_values(stack, "development")
    assert release_values(stack, env, stack.release("web"))["title"] == "web in development"

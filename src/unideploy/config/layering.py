"""Layer values per environment: chart defaults < release < environment < --values < --set.

Maps merge deeply, lists replace. An environment values file holds a `global:` block (given to every
release) and blocks named after releases (given to that release only). References are checked where
they are written (file:line) and resolved last. Pure: reads files, calls no engine.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.config.encrypted import read_values_file
from unideploy.config.model import Release
from unideploy.config.refs import RefContext, problem_with, references_in, resolve
from unideploy.config.set_values import parse_set_expression
from unideploy.config.stack import Stack
from unideploy.config.suggest import hint_for
from unideploy.config.yamlsafe import PathKey, Positions
from unideploy.errors import ConfigError, SourceLocation


@dataclass(frozen=True)
class Layer:
    """One environment-shaped values document (environment file, --values file, or --set)."""

    data: Mapping[str, Any]
    positions: Positions


@dataclass(frozen=True)
class EnvironmentValues:
    """Everything that varies per environment, ready to be layered onto each release."""

    environment: str
    layers: tuple[Layer, ...]
    global_values: Mapping[str, Any]
    terraform_modules: frozenset[str]

    def context(self, outputs: Mapping[str, Mapping[str, Any]] | None = None) -> RefContext:
        """A reference context, with Terraform outputs once the terraform phase has them."""
        return RefContext(self.environment, self.global_values, self.terraform_modules, outputs)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` into a copy of `base`: mappings merge, all else (lists too) replaces."""
    merged = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_environment_values(
    stack: Stack, environment: str, extra_files: Sequence[Path] = (), sets: Sequence[str] = ()
) -> EnvironmentValues:
    """Read the environment's values files, extra --values files and --set flags, and check them."""
    stack.environment(environment)
    layers: list[Layer] = []
    for index, name in enumerate(stack.environment_values_files(environment)):
        path = stack.resolve(name)
        if not path.is_file():
            raise ConfigError(
                f'values file "{name}" of environment "{environment}" does not exist',
                location=stack.locate("environments", environment, "values", index),
            )
        layers.append(_read_layer(stack, path))
    for path in extra_files:
        if not path.is_file():
            raise ConfigError(f"--values file {path} does not exist", hint="check the path")
        layers.append(_read_layer(stack, path))
    if sets:
        layers.append(_sets_layer(stack, sets))
    global_values: dict[str, Any] = {"environment": environment}
    for layer in layers:
        global_values = deep_merge(global_values, layer.data.get("global") or {})
    modules = frozenset(module.name for module in stack.file.terraform.modules)
    values = EnvironmentValues(environment, tuple(layers), global_values, modules)
    _check_references(stack, values)
    return values


def release_values(
    stack: Stack,
    env_values: EnvironmentValues,
    release: Release,
    outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The fully layered values of `release` (chart defaults are added later by Helm itself)."""
    merged: dict[str, Any] = {}
    for entry in release.values:
        if isinstance(entry, str):
            data, _ = read_values_file(stack.resolve(entry), entry)
            if data is None:
                continue
            if not isinstance(data, dict):
                raise ConfigError(
                    f"values file {entry} must be a mapping", location=SourceLocation(entry, 1, 1)
                )
            merged = deep_merge(merged, data)
        else:
            merged = deep_merge(merged, entry)
    merged = deep_merge(merged, {"global": dict(env_values.global_values)})
    for layer in env_values.layers:
        merged = deep_merge(merged, layer.data.get(release.name) or {})
    ctx = env_values.context(outputs)
    resolved: dict[str, Any] = resolve(merged, ctx)
    if outputs is not None and ctx.unresolved:
        missing = ", ".join(sorted(ctx.unresolved))
        raise ConfigError(
            f'release "{release.name}" refers to Terraform outputs that do not exist: {missing}',
            hint="check the module's outputs with `unideploy plan` after a terraform apply",
        )
    return resolved


def _read_layer(stack: Stack, path: Path) -> Layer:
    data, positions = read_values_file(path, stack.shown(path))
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError(
            "an environment values file must be a mapping of global and release blocks",
            location=SourceLocation(positions.path, 1, 1),
        )
    releases = {release.name for release in stack.file.releases}
    for key, value in data.items():
        if key != "global" and key not in releases:
            raise ConfigError(
                f'"{key}" is neither "global" nor the name of a release',
                hint=hint_for(key, {"global", *releases}, "blocks"),
                location=positions.locate((key,), prefer_key=True),
            )
        if value is not None and not isinstance(value, dict):
            raise ConfigError(
                f'the "{key}" block must be a mapping', location=positions.locate((key,))
            )
    return Layer(data, positions)


def _sets_layer(stack: Stack, sets: Sequence[str]) -> Layer:
    """--set/--set-string/--set-file/--set-json, each parsed by Helm, merged in order."""
    data: dict[str, Any] = {}
    releases = {release.name for release in stack.file.releases}
    for expression in sets:
        parsed = parse_set_expression(expression)
        for top in parsed:
            if top != "global" and top not in releases:
                raise ConfigError(
                    f'--set "{expression.split("=", 1)[0]}": "{top}" is neither "global" '
                    "nor a release",
                    hint=hint_for(top, {"global", *releases}, "blocks"),
                )
        data = deep_merge(data, parsed)
    return Layer(data, Positions("--set"))


def _check_references(stack: Stack, values: EnvironmentValues) -> None:
    ctx = values.context()
    documents: list[tuple[Any, Positions]] = [
        (layer.data, layer.positions) for layer in values.layers
    ]
    inline: list[tuple[Any, PathKey]] = []
    for index, release in enumerate(stack.file.releases):
        for entry_index, entry in enumerate(release.values):
            if isinstance(entry, str):
                documents.append(read_values_file(stack.resolve(entry), entry))
            else:
                inline.append((entry, ("releases", index, "values", entry_index)))
    located: list[tuple[Any, Positions, PathKey]] = [(d, p, ()) for d, p in documents]
    located += [(data, stack.positions, prefix) for data, prefix in inline]
    for data, positions, prefix in located:
        for at, text in _strings(data, prefix):
            for expression in references_in(text):
                problem = problem_with(expression, ctx)
                if problem:
                    raise ConfigError(
                        problem,
                        hint="references are ${env.name}, ${global.<path>}, "
                        "${terraform.<module>.<output>}; write $${ for a literal ${",
                        location=positions.locate(at),
                    )


def _strings(data: Any, at: PathKey) -> list[tuple[PathKey, str]]:
    if isinstance(data, dict):
        return [hit for key, value in data.items() for hit in _strings(value, (*at, key))]
    if isinstance(data, list):
        return [hit for index, value in enumerate(data) for hit in _strings(value, (*at, index))]
    return [(at, data)] if isinstance(data, str) else []

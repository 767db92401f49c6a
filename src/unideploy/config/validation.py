"""Turn pydantic validation errors into ConfigErrors that point at file:line:col with a hint.

Walks the model classes along the error's location so an unknown key gets a did-you-mean from the
keys that are valid at that place.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from unideploy.config.suggest import hint_for
from unideploy.config.yamlsafe import Positions
from unideploy.errors import ConfigError


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation reached from `annotation` by one location part."""
    model = _model_in(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(part, int) and origin in (tuple, list):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) in (dict, tuple, list) or _model_in(arg):
                return _step(arg, part)
    if model is not None and isinstance(part, str):
        for name, info in model.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
    return None


def _valid_keys(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    annotation: Any = root
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    model = _model_in(annotation)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def to_config_error(
    exc: ValidationError, root: type[BaseModel], positions: Positions
) -> ConfigError:
    """Describe the first validation error of `exc` at its place in the file."""
    errors = exc.errors(include_url=False)
    # An unknown key is usually a misspelt known one: report it before the "missing" it causes.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in error["loc"] if not isinstance(p, str) or not p.startswith("function-"))
    loc = tuple(p for p in loc if p not in ("str", "dict[str,any]", "tagged-union"))
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        valid = _valid_keys(root, loc[:-1])
        return ConfigError(
            f'unknown key "{key}" in {".".join(str(p) for p in loc[:-1]) or "the top level"}',
            hint=hint_for(key, valid, "keys"),
            location=positions.locate(loc, prefer_key=True),
        )
    if kind == "missing":
        return ConfigError(
            f'missing required key "{loc[-1]}"',
            hint=f"add it under {'.'.join(str(p) for p in loc[:-1]) or 'the top level'}",
            location=positions.locate(loc[:-1]),
        )
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return ConfigError(
        f"{where}: {message}{shown}",
        hint=_type_hint(kind),
        location=positions.locate(loc),
    )


def _type_hint(kind: str) -> str:
    hints = {
        "string_type": "quote the value to make it a string",
        "int_parsing": "use a whole number",
        "int_type": "use a whole number",
        "bool_parsing": "use true or false",
        "bool_type": "use true or false",
        "dict_type": "this must be a mapping (key: value lines)",
        "model_type": "this must be a mapping (key: value lines)",
        "tuple_type": "this must be a list (- item lines)",
        "string_pattern_mismatch": "names are lowercase letters, digits and '-' (DNS-1123)",
        "enum": "use one of the listed values",
        "greater_than": "use a positive number",
    }
    return hints.get(kind, "see `unideploy schema` for the expected shape")

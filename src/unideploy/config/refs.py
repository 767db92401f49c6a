"""The one reference syntax of values: `${env.name}`, `${global.a.b}`, `${terraform.mod.output}`.

A string that is exactly one reference takes the referenced value with its type; a reference inside
a longer string is interpolated as text; `$${` writes a literal `${`. Nothing else is evaluated:
this is not a template language. Terraform references stay unresolved until the terraform phase
has outputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unideploy.redact.values import contains_secret, is_secret, plain, secret

REFERENCE = re.compile(r"(?<!\$)\$\{([^{}]*)\}")
ROOTS = ("env", "global", "terraform")
_MISSING = object()


@dataclass(frozen=True)
class RefContext:
    """What references can see: the environment, the merged global block, Terraform outputs."""

    environment: str
    global_values: Mapping[str, Any]
    terraform_modules: frozenset[str] = frozenset()
    terraform_outputs: Mapping[str, Mapping[str, Any]] | None = None
    unresolved: set[str] = field(default_factory=set, compare=False)


def references_in(text: str) -> list[str]:
    """The expressions referenced in `text` (without the `${ }`)."""
    return [match.group(1).strip() for match in REFERENCE.finditer(text)]


def problem_with(expression: str, ctx: RefContext) -> str | None:
    """Why `expression` cannot be resolved in `ctx`, or None when it is fine."""
    parts = expression.split(".")
    root = parts[0]
    if root not in ROOTS or not all(parts):
        return (
            f'"${{{expression}}}" is not a reference; use env.name, global.<path> or '
            "terraform.<module>.<output>"
        )
    if root == "env":
        return None if parts[1:] == ["name"] else f'"${{{expression}}}": only env.name exists'
    if root == "global":
        if len(parts) < 2 or _dig(ctx.global_values, parts[1:]) is _MISSING:
            return f'"${{{expression}}}": no such key in the global values'
        return None
    if len(parts) < 3:
        return f'"${{{expression}}}": write terraform.<module>.<output>'
    if parts[1] not in ctx.terraform_modules:
        known = ", ".join(sorted(ctx.terraform_modules)) or "(none)"
        return (
            f'"${{{expression}}}": terraform module "{parts[1]}" is not defined (defined: {known})'
        )
    return None


def resolve(value: Any, ctx: RefContext) -> Any:
    """Return `value` with every reference in every string replaced (recursively)."""
    if isinstance(value, dict):
        return {key: resolve(item, ctx) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, ctx) for item in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = REFERENCE.fullmatch(value)
    if whole:
        found = _lookup(whole.group(1).strip(), ctx)
        return value if found is _MISSING else found

    tainted = is_secret(value)

    def interpolate(match: re.Match[str]) -> str:
        nonlocal tainted
        found = _lookup(match.group(1).strip(), ctx)
        if found is _MISSING:
            return match.group(0)
        tainted = tainted or contains_secret(found)
        return found if isinstance(found, str) else json.dumps(plain(found))

    text = REFERENCE.sub(interpolate, value).replace("$${", "${")
    # A string built from a secret is a secret too.
    return secret(text) if tainted else text


def _lookup(expression: str, ctx: RefContext) -> Any:
    parts = expression.split(".")
    if parts == ["env", "name"]:
        return ctx.environment
    if parts[0] == "global":
        return _dig(ctx.global_values, parts[1:])
    if parts[0] == "terraform" and len(parts) >= 3:
        if ctx.terraform_outputs is None or parts[1] not in ctx.terraform_outputs:
            ctx.unresolved.add(expression)
            return _MISSING
        found = _dig(ctx.terraform_outputs[parts[1]], parts[2:])
        if found is _MISSING:
            ctx.unresolved.add(expression)
        return found
    return _MISSING


def _dig(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data

"""`--set`, `--set-string`, `--set-file`, `--set-json`: Helm's own strvals parser, our error format.

The expressions are parsed by the Helm SDK (the parser behind `helm --set`), so `\\.` escapes a dot
in a key, `a[0].b=1` indexes lists, `{a,b}` is a list, and values are typed as Helm types them.
A malformed expression is a config error (exit 2) quoting Helm's message, never a traceback.
Pure apart from `--set-file`, which reads the named files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from unideploy.config.yamlsafe import MAX_NESTING
from unideploy.errors import ConfigError

#: Helm applies the flags in this order (pkg/cli/values: json, set, string, file).
KINDS = ("json", "set", "string", "file")
_FLAG = {"json": "--set-json", "set": "--set", "string": "--set-string", "file": "--set-file"}
_EXAMPLE = {
    "json": '--set-json \'web.resources={"limits":{"cpu":"1"}}\'',
    "set": "--set global.replicas.min=2 or --set 'web.podAnnotations.prometheus\\.io/scrape=true'",
    "string": "--set-string web.image.tag=1.10",
    "file": "--set-file web.config=./config.txt",
}


class SetExpression(str):
    """One expression with the flag it came from (plain strings are `--set`)."""

    kind: str = "set"

    def __new__(cls, text: str, kind: str = "set") -> SetExpression:
        made = super().__new__(cls, text)
        made.kind = kind
        return made


def in_helm_order(by_kind: dict[str, Iterable[str]]) -> tuple[str, ...]:
    """The expressions of every flag, tagged, in the order Helm applies them."""
    return tuple(SetExpression(text, kind) for kind in KINDS for text in by_kind.get(kind, ()))


def _parser(kind: str) -> Callable[[str], dict[str, Any]]:
    # Loaded on first use: the SDK starts Go's runtime, which commands without --set never need.
    from unideploy.engines.helm.lib import hp

    parsers: dict[str, Callable[[str], dict[str, Any]]] = {
        "json": hp.parse_set_json,
        "set": hp.parse_set_string,
        "string": hp.parse_set_string_values,
        "file": hp.parse_set_file,
    }
    return parsers[kind]


def _shown(expression: str, kind: str) -> str:
    """The flag and its keys, without the value (it may be a secret)."""
    key = expression.split("=", 1)[0]
    return f'{_FLAG[kind]} "{key}=…"' if "=" in expression else f'{_FLAG[kind]} "{key}"'


def _depth(node: Any, limit: int) -> bool:
    """True when `node` nests deeper than `limit` mappings/lists (iteratively, no recursion)."""
    stack: list[tuple[Any, int]] = [(node, 0)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, level + 1) for child in children)
    return False


def parse_set_expression(expression: str) -> dict[str, Any]:
    """Nested values of one expression, exactly as Helm reads that flag."""
    from unideploy.engines.helm.lib import hp

    kind = getattr(expression, "kind", "set")
    value = expression.split("=", 1)[1] if "=" in expression else ""
    try:
        parsed = _parser(kind)(str(expression))
    except RecursionError:
        raise _too_deep(expression, kind) from None
    except (hp.HelmError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if len(value) >= 4 and kind != "file":
            message = message.replace(value, "***")
        raise ConfigError(
            f"{_shown(expression, kind)}: {message} (Helm's parser)",
            hint=f"the form is KEY.PATH=VALUE, e.g. {_EXAMPLE[kind]}",
        ) from None
    if not parsed:
        raise ConfigError(
            f"{_shown(expression, kind)} sets no value",
            hint=f"the form is KEY.PATH=VALUE, e.g. {_EXAMPLE[kind]}",
        )
    if _depth(parsed, MAX_NESTING):
        raise _too_deep(expression, kind)
    return parsed


def _too_deep(expression: str, kind: str) -> ConfigError:
    return ConfigError(
        f"{_shown(expression, kind)}: nesting deeper than {MAX_NESTING} levels",
        hint=f"values may nest at most {MAX_NESTING} deep",
    )

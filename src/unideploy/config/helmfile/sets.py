"""helmfile's `set:` and `setString:` entries as the values Helm reads from them.

helmfile passes each entry to Helm as `--set NAME=VALUE` (`--set-string` for setString), escaping
`{`, `}` and `,`; `values: [a, b]` becomes `NAME={a,b}`, and an empty `value` is not passed. Here
the same expressions are read by Helm's own parser (config/set_values.py), so escaped dots, list
indexes and Helm's typing of numbers and booleans come out as Helm makes them. Called by
config/helmfile.py for each release.
"""

from __future__ import annotations

from typing import Any

from unideploy.config.set_values import SetExpression, parse_set_expression
from unideploy.errors import ConfigError, SourceLocation


def _escape(text: str) -> str:
    return text.replace("{", "\\{").replace("}", "\\}").replace(",", "\\,")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def expressions(entries: Any, as_string: bool) -> list[SetExpression]:
    """The `--set` (or `--set-string`) expressions helmfile builds from `entries`."""
    kind = "string" if as_string else "set"
    out: list[SetExpression] = []
    for entry in entries or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        name = _escape(str(entry["name"]))
        if _text(entry.get("value")):
            out.append(SetExpression(f"{name}={_escape(_text(entry['value']))}", kind))
        elif entry.get("values"):
            joined = ",".join(_escape(_text(v)) for v in entry["values"])
            out.append(SetExpression(f"{name}={{{joined}}}", kind))
    return out


def set_layers(release: dict[str, Any], where: SourceLocation) -> list[dict[str, Any]]:
    """One values mapping per expression, in the order Helm applies them (set, then setString)."""
    layers = []
    for expression in [
        *expressions(release.get("set"), False),
        *expressions(release.get("setString"), True),
    ]:
        try:
            layers.append(parse_set_expression(expression))
        except ConfigError as exc:
            raise ConfigError(exc.message, hint=exc.hint, location=where) from None
    return layers

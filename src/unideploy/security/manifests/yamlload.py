"""The scanner's YAML reader: PyYAML's safe loader (libyaml when present), refusing duplicate keys.

Fast because manifests come by the thousand; strict because a duplicated key silently replaces a
setting (a second `securityContext:` would hide the first), and the API server refuses them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    """A document that is not valid YAML; `line` is 0-based within the document."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _StrictLoader(_BASE):  # type: ignore[valid-type,misc]
    """Safe loader that rejects duplicate mapping keys."""


def _mapping(loader: yaml.SafeLoader, node: Node) -> Iterator[dict[Any, Any]]:
    data: dict[Any, Any] = {}
    yield data
    assert isinstance(node, MappingNode)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = key_node.value
        if key in seen and key != "<<":
            raise ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (the later value would win)",
                key_node.start_mark,
            )
        seen.add(key)
    data.update(yaml.SafeLoader.construct_mapping(loader, node))


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


def load_document(text: str) -> Any:
    """Parse one YAML document with the strict safe loader."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(problem, mark.line if mark is not None else None) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc), None) from exc

"""The scanner's YAML reader: PyYAML's safe loader (libyaml when present), refusing duplicate keys.

Fast because manifests come by the thousand; strict because a duplicated key silently replaces a
setting (a second `securityContext:` would hide the first), and the API server refuses them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

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

_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Unusual(Exception):
    """The document uses something the direct walk leaves to PyYAML (anchors, merge keys, tags)."""


def _direct(loader: yaml.SafeLoader, root: Node) -> Any:
    """Build the document from its node tree without PyYAML's generic constructor machinery.

    Manifests are plain maps, lists and scalars: those are built here (scalars other than strings
    through the safe loader's own constructors, so values are exactly what it would give). Any
    node seen twice (an alias), a merge key or a non-core tag raises _Unusual, and the caller
    falls back to the full constructor.
    """
    seen: set[int] = set()

    def build(node: Node) -> Any:
        if id(node) in seen:
            raise _Unusual
        seen.add(id(node))
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _MAP:
            data: dict[Any, Any] = {}
            written: set[tuple[str, str]] = set()
            for key_node, value_node in node.value:
                key = build(key_node)
                if key == "<<" or isinstance(key, (dict, list)):
                    raise _Unusual
                spelled = (key_node.tag, str(key_node.value))  # as written: `1` is not `true`
                if spelled in written:
                    raise ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r} (the later value would win)",
                        key_node.start_mark,
                    )
                written.add(spelled)
                data[key] = build(value_node)
            return data
        if tag == _SEQ:
            return [build(item) for item in node.value]
        if tag in _SCALARS and isinstance(node, ScalarNode):
            return _SCALARS[tag](loader, node)
        raise _Unusual

    return build(root)


_SCALARS = {
    "tag:yaml.org,2002:null": yaml.SafeLoader.construct_yaml_null,
    "tag:yaml.org,2002:bool": yaml.SafeLoader.construct_yaml_bool,
    "tag:yaml.org,2002:int": yaml.SafeLoader.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.SafeLoader.construct_yaml_float,
}


def load_document(text: str) -> Any:
    """Parse one YAML document with the strict safe loader."""
    try:
        loader = _StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _direct(loader, node)
            except _Unusual:
                return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(problem, mark.line if mark is not None else None) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc), None) from exc
    except RecursionError:
        raise YamlProblem("mappings and lists nest too deep to be a manifest", None) from None

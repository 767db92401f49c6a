"""Safe YAML loading that keeps line numbers: text → plain data plus where each value stood.

The first step of the flow. Builds Python data from ruamel's node graph itself, so that duplicate
keys, unknown tags and alias bombs are refused with file:line:col, and every later error can point
at a place.
"""

from __future__ import annotations

import importlib
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scanner import Scanner

from unideploy.errors import ConfigError, SourceLocation

PathKey = tuple[str | int, ...]

# A document may not expand to more nodes than this (aliases included): stops "billion laughs".
MAX_EXPANDED_NODES = 100_000
MAX_FILE_BYTES = 8 * 1024 * 1024
# Mappings and lists may nest at most this deep; real configuration stays far below it, and the
# limit is checked while composing, before any recursion could exhaust the interpreter's stack.
MAX_NESTING = 200

_TAG = "tag:yaml.org,2002:"


@dataclass
class Positions:
    """Where each value (and each mapping key) of a loaded document stood in its file."""

    path: str
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, at: PathKey, *, prefer_key: bool = False) -> SourceLocation:
        """Return the closest known location for `at`, walking up to its parents if needed."""
        probe = tuple(at)
        while True:
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            hit = first.get(probe) or second.get(probe)
            if hit is not None:
                return SourceLocation(self.path, hit[0], hit[1])
            if not probe:
                return SourceLocation(self.path, 1, 1)
            probe = probe[:-1]


@dataclass
class _Builder:
    positions: Positions
    budget: int = MAX_EXPANDED_NODES

    def where(self, node: Node) -> SourceLocation:
        mark = node.start_mark
        return SourceLocation(self.positions.path, mark.line + 1, mark.column + 1)

    def build(self, node: Node, at: PathKey) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise ConfigError(
                "YAML expands to too many values (aliases repeated over and over)",
                hint=f"a document may expand to at most {MAX_EXPANDED_NODES} values; "
                "remove the nested anchors/aliases",
                location=self.where(node),
            )
        mark = node.start_mark
        self.positions.values.setdefault(at, (mark.line + 1, mark.column + 1))
        if isinstance(node, MappingNode):
            return self._mapping(node, at)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                raise self._bad_tag(node)
            return [self.build(child, (*at, i)) for i, child in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        raise ConfigError("unsupported YAML node", location=self.where(node))

    def _mapping(self, node: MappingNode, at: PathKey) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            raise self._bad_tag(node)
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                source = self.build(value_node, at)
                for item in source if isinstance(source, list) else [source]:
                    if not isinstance(item, dict):
                        raise ConfigError(
                            "a merge key (<<) must refer to a mapping",
                            location=self.where(value_node),
                        )
                    merged = {**item, **merged}
                continue
            if not isinstance(key_node, ScalarNode):
                raise ConfigError(
                    "mapping keys must be plain scalars",
                    hint="use a string key",
                    location=self.where(key_node),
                )
            key = str(key_node.value)
            if key in result:
                first = self.positions.keys.get((*at, key), (0, 0))
                raise ConfigError(
                    f'duplicate key "{key}" (first defined on line {first[0]})',
                    hint="remove one of them: YAML keeps only the last, which hides mistakes",
                    location=self.where(key_node),
                )
            kmark = key_node.start_mark
            self.positions.keys[(*at, key)] = (kmark.line + 1, kmark.column + 1)
            result[key] = self.build(value_node, (*at, key))
        return {**merged, **result}

    def _scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag in (_TAG + "str", _TAG + "timestamp", _TAG + "binary") or tag == "!":
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() == "true"
        if tag == _TAG + "int":
            cleaned = text.replace("_", "")
            if cleaned.startswith(("0o", "0x", "0b", "-0x", "+0x")):
                return int(cleaned, 0)
            return int(cleaned)
        if tag == _TAG + "float":
            lowered = text.lower().replace("_", "")
            if lowered in (".inf", "+.inf"):
                return math.inf
            if lowered == "-.inf":
                return -math.inf
            if lowered == ".nan":
                return math.nan
            return float(lowered)
        raise self._bad_tag(node)

    def _bad_tag(self, node: Node) -> ConfigError:
        return ConfigError(
            f"YAML tag {node.tag!r} is not allowed",
            hint="only plain YAML values are accepted (no custom or language-specific tags)",
            location=self.where(node),
        )


class _NestingTooDeep(Exception):
    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.line, self.column = line, column


class _DepthLimitedScanner(Scanner):
    """ruamel's scanner, stopping at the first `[` or `{` nested deeper than MAX_NESTING.

    Checked here as well as in the composer: each open bracket may start a key, so the scanner
    would otherwise read a whole flow collection ahead (quadratically) before composing it.
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: Any) -> None:
        if self.flow_level >= MAX_NESTING:
            mark = self.reader.get_mark()
            raise _NestingTooDeep(mark.line + 1, mark.column + 1)
        super().fetch_flow_collection_start(TokenClass, to_push)


class _DepthLimitedComposer(Composer):
    """ruamel's composer, refusing a collection nested deeper than MAX_NESTING."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        opens = self.parser.check_event(MappingStartEvent, SequenceStartEvent)
        if not opens:
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_NESTING:
            mark = self.parser.peek_event().start_mark
            raise _NestingTooDeep(mark.line + 1, mark.column + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _LibyamlSource:
    """What ruamel's composer reads from: libyaml's events (ruamel.yaml.clib) and the resolver."""

    def __init__(self, parser: Any, text: str) -> None:
        self._parser = parser(text)
        self._resolver = VersionedResolver(version=None, loader=self)


def _libyaml_parser() -> Any | None:
    """ruamel.yaml.clib's event parser, or None where it is not installed."""
    try:
        return importlib.import_module("_ruamel_yaml").CParser
    except ImportError:
        return None


_LIBYAML = _libyaml_parser()


def _compose_fast(text: str) -> tuple[bool, Node | None]:
    """The node graph from libyaml's events, composed and resolved as the pure parser does.

    (False, None) for a document libyaml refuses: the pure parser then reports it.
    """
    source = _LibyamlSource(_LIBYAML, text)
    try:
        node: Node | None = _DepthLimitedComposer(loader=source).get_single_node()
    except Exception:  # any refusal at all: the pure parser's error is the one shown
        return False, None
    finally:
        source._parser.dispose()
    return True, node


def load_yaml_text(text: str, path: str) -> tuple[Any, Positions]:
    """Parse one YAML document from `text`; `path` is used in error locations.

    libyaml reads the text when it is installed (four times faster than ruamel's pure-Python
    scanner), under the same composer, resolver and builder. A document it refuses, or one with a
    `%YAML` directive, is read again by the pure parser, whose error (place and words) is the one
    shown: the fast path only ever returns what the pure one would.
    """
    positions = Positions(path)
    if _LIBYAML is not None and "%YAML" not in text:
        composed, node = _compose_fast(text)
        if composed:
            return (None if node is None else _Builder(positions).build(node, ())), positions
    yaml = YAML(typ="safe", pure=True)
    yaml.Scanner = _DepthLimitedScanner
    yaml.Composer = _DepthLimitedComposer
    try:
        node = yaml.compose(io.StringIO(text))
    except _NestingTooDeep as exc:
        raise ConfigError(
            f"nesting deeper than {MAX_NESTING} levels",
            hint=f"mappings and lists may nest at most {MAX_NESTING} deep; "
            "flatten this structure (is the file generated by mistake?)",
            location=SourceLocation(path, exc.line, exc.column),
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "malformed YAML"
        raise ConfigError(
            f"malformed YAML: {problem}",
            hint="check indentation, quoting and colons near this place",
            location=SourceLocation(path, line, column),
        ) from exc
    except YAMLError as exc:
        raise ConfigError(f"malformed YAML: {exc}", location=SourceLocation(path)) from exc
    if node is None:
        return None, positions
    return _Builder(positions).build(node, ()), positions


def load_yaml_file(path: Path, shown_as: str | None = None) -> tuple[Any, Positions]:
    """Read and parse `path`; errors name it as `shown_as` (e.g. relative to the stack)."""
    name = shown_as or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(
                f"file is {size} bytes, more than the {MAX_FILE_BYTES} allowed",
                location=SourceLocation(name),
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("file not found", location=SourceLocation(name)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "file is not UTF-8 text", hint="save it as UTF-8", location=SourceLocation(name)
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigError("is a directory, not a file", location=SourceLocation(name)) from exc
    return load_yaml_text(text, name)

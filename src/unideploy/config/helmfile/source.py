"""Read helmfile state files: bases, nested helmfiles and parts, as written or as rendered.

A file is split into its `---` parts as helmfile splits it (environments and releases may not share
a part in helmfile v1) and the parts are merged in order, maps key by key and a later non-empty list
replacing an earlier one (helmfile's mergo.WithOverride). A templated file (`.gotmpl`, `{{ }}`) is
read from the text `helmfile build` printed for it, else TemplatedHelmfile is raised.
config/helmfile/stack.py turns the State read here into the stack document.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.config.yamlsafe import Positions, load_yaml_file, load_yaml_text
from unideploy.errors import ConfigError, SourceLocation


class TemplatedHelmfile(ConfigError):
    """The helmfile uses templates: only `helmfile build` knows its state."""


@dataclass
class State:
    rendered: Mapping[Path, str] = field(default_factory=dict)
    environment: str | None = None
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    environments: dict[str, list[Any]] = field(default_factory=dict)
    releases: list[tuple[dict[str, Any], Path, Positions, int, str]] = field(default_factory=list)


def _load(path: Path, root: Path, state: State) -> tuple[dict[str, Any], Positions]:
    name = shown(path, root)
    rendered = state.rendered.get(path.resolve())
    if rendered is not None:
        document, positions = load_yaml_text(rendered, f"{name} (as helmfile build rendered it)")
    else:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        if path.suffix == ".gotmpl" or "{{" in text:
            raise TemplatedHelmfile(
                "templated helmfile: its state exists only after helmfile renders it",
                hint="render it first (`helmfile -e ENV build > plain.yaml`) and import that file",
                location=SourceLocation(name),
            )
        if "\n---\n" in text.replace("\r\n", "\n"):
            document, positions = _parts(text.replace("\r\n", "\n"), name)
        else:
            document, positions = load_yaml_file(path, name)
    if not isinstance(document, dict):
        raise ConfigError("a helmfile is a mapping", location=SourceLocation(name))
    return document, positions


def _parts(text: str, name: str) -> tuple[dict[str, Any], Positions]:
    """The `---` parts of a helmfile merged in order; positions keep the lines of the file."""
    merged: dict[str, Any] = {}
    positions = Positions(name)
    line = 0
    for part in text.split("\n---\n"):
        document, found = load_yaml_text("\n" * line + part, name)
        line += part.count("\n") + 2
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ConfigError("a helmfile part is a mapping", location=found.locate(()))
        merged = _override(merged, document)
        positions.values.update(found.values)
        positions.keys.update(found.keys)
    return merged, positions


def _override(base: Mapping[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    """Helmfile's merge of parts: maps key by key, empty values ignored, anything else replaced."""
    out = dict(base)
    for key, value in layer.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = _override(old, value)
        elif value not in (None, [], {}, ""):
            out[key] = value
    return out


def shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def read_state(path: Path, root: Path, state: State, depth: int = 0, name: str = "main") -> None:
    """Read `path` into `state`: bases, then nested helmfiles, then its own releases.

    helmfile applies nested helmfiles before the releases of the file that lists them, and skips
    a nested helmfile that does not define the environment it runs for (other than `default`).
    """
    if depth > 8:
        raise ConfigError("bases/helmfiles nest deeper than 8", location=SourceLocation(str(path)))
    document, positions = _load(path, root, state)
    for base in document.get("bases") or []:
        read_state(path.parent / str(base), root, state, depth + 1, name)
    for repo_name, repo in _named(document.get("repositories")):
        state.repositories[repo_name] = repo
    state.defaults.update(document.get("helmDefaults") or {})
    for env_name, env in (document.get("environments") or {}).items():
        entries = state.environments.setdefault(str(env_name), [])
        for entry in (env or {}).get("values") or []:
            entries.append(entry if isinstance(entry, dict) else path.parent / str(entry))
    for nested in document.get("helmfiles") or []:
        target = path.parent / str(nested.get("path") if isinstance(nested, dict) else nested)
        chosen = state.environment
        if chosen not in (None, "default") and chosen not in _defined(target, root, state):
            continue
        read_state(target, root, state, depth + 1, _state_name(target, root))
    for index, release in enumerate(document.get("releases") or []):
        state.releases.append((release, path.parent, positions, index, name))


def _defined(path: Path, root: Path, state: State, depth: int = 0) -> set[str]:
    """The environments a helmfile defines, its bases' included."""
    if depth > 8:
        raise ConfigError("bases nest deeper than 8", location=SourceLocation(str(path)))
    document, _ = _load(path, root, state)
    found = {str(name) for name in document.get("environments") or {}}
    for base in document.get("bases") or []:
        found |= _defined(path.parent / str(base), root, state, depth + 1)
    return found


def _state_name(path: Path, root: Path) -> str:
    shown = Path(os.path.relpath(path.resolve(), root.resolve()))
    kept = shown.parent if shown.name.startswith("helmfile") else shown.with_suffix("")
    return slug("-".join(part for part in kept.parts if part not in ("..", ".")))


def _named(items: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name"):
            yield str(item["name"]), item


def environment_values(state: State, name: str) -> dict[str, Any]:
    """An environment's values, merged in order (what helmfile's `.Values` and conditions see)."""
    merged: dict[str, Any] = {}
    for entry in state.environments.get(name) or []:
        if isinstance(entry, Path):
            document, _ = load_yaml_file(entry)
            entry = document or {}
        if isinstance(entry, dict):
            merged = merge(merged, entry)
    return merged


def merge(base: Mapping[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in layer.items():
        old = out.get(key)
        out[key] = merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return out


def slug(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
    return cleaned or "stack"

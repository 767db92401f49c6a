"""Read a plain (non-templated) helmfile and turn it into a stack.yaml document plus warnings.

Input: helmfile.yaml (its `bases:` and nested `helmfiles:` followed, paths relative to each file).
Output: the stack document, the values files to copy (relative to the helmfile's directory) and
one warning per key that has no equivalent, each with file:line and what to do. Pure apart from
reading the files; service/import_helmfile.py writes the result.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.config.helmfile_sets import set_layers
from unideploy.config.helmfile_tiers import Placed, assign_tiers, need_key
from unideploy.config.yamlsafe import Positions, load_yaml_file, load_yaml_text
from unideploy.errors import ConfigError, SourceLocation

UNSUPPORTED = {
    "secrets": "helm-secrets files are not decrypted: decrypt them into values files, or keep "
    "the secret in the cluster and reference it",
    "strategicMergePatches": "patches are not applied: move the change into the chart or values",
    "jsonPatches": "patches are not applied: move the change into the chart or values",
    "transformers": "kustomize transformers are not run: move the change into the chart",
    "hooks": "hooks with `command:` run nothing here: run the command before or after the deploy",
}
HANDLED = {
    "name",
    "namespace",
    "chart",
    "version",
    "values",
    "set",
    "setString",
    "needs",
    "installed",
    "condition",
    "labels",
    "createNamespace",
    "wait",
    "timeout",
    "atomic",
    "kubeContext",
}


@dataclass(frozen=True)
class Warning_:
    """A helmfile line with no equivalent in stack.yaml."""

    release: str
    location: SourceLocation
    what: str

    def __str__(self) -> str:
        return f"{self.location}: release {self.release}: {self.what}"


@dataclass
class Imported:
    """The stack document, values files to copy, and the warnings."""

    stack: dict[str, Any]
    values_files: list[Path] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)


class TemplatedHelmfile(ConfigError):
    """The helmfile uses templates: only `helmfile build` knows its state."""


@dataclass
class _State:
    rendered: Mapping[Path, str] = field(default_factory=dict)
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    environments: dict[str, list[Any]] = field(default_factory=dict)
    releases: list[tuple[dict[str, Any], Path, Positions, int, str]] = field(default_factory=list)


def _load(path: Path, root: Path, state: _State) -> tuple[dict[str, Any], Positions]:
    rendered = state.rendered.get(path.resolve())
    if rendered is not None:
        shown = f"{_shown(path, root)} (as helmfile build rendered it)"
        document, positions = load_yaml_text(rendered, shown)
    else:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        if path.suffix == ".gotmpl" or "{{" in text:
            raise TemplatedHelmfile(
                "templated helmfile: its state exists only after helmfile renders it",
                hint="render it first (`helmfile -e ENV build > plain.yaml`) and import that file",
                location=SourceLocation(_shown(path, root)),
            )
        document, positions = load_yaml_file(path, _shown(path, root))
    if not isinstance(document, dict):
        raise ConfigError("a helmfile is a mapping", location=SourceLocation(_shown(path, root)))
    return document, positions


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _read(path: Path, root: Path, state: _State, depth: int = 0, name: str = "main") -> None:
    """Read `path` into `state`: bases, then nested helmfiles, then its own releases.

    helmfile applies nested helmfiles before the releases of the file that lists them.
    """
    if depth > 8:
        raise ConfigError("bases/helmfiles nest deeper than 8", location=SourceLocation(str(path)))
    document, positions = _load(path, root, state)
    for base in document.get("bases") or []:
        _read(path.parent / str(base), root, state, depth + 1, name)
    for repo_name, repo in _named(document.get("repositories")):
        state.repositories[repo_name] = repo
    state.defaults.update(document.get("helmDefaults") or {})
    for env_name, env in (document.get("environments") or {}).items():
        entries = state.environments.setdefault(str(env_name), [])
        for entry in (env or {}).get("values") or []:
            entries.append(entry if isinstance(entry, dict) else path.parent / str(entry))
    for nested in document.get("helmfiles") or []:
        target = path.parent / str(nested.get("path") if isinstance(nested, dict) else nested)
        _read(target, root, state, depth + 1, _state_name(target, root))
    for index, release in enumerate(document.get("releases") or []):
        state.releases.append((release, path.parent, positions, index, name))


def _state_name(path: Path, root: Path) -> str:
    shown = Path(os.path.relpath(path.resolve(), root.resolve()))
    kept = shown.parent if shown.name.startswith("helmfile") else shown.with_suffix("")
    return _slug("-".join(part for part in kept.parts if part not in ("..", ".")))


def _named(items: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name"):
            yield str(item["name"]), item


def import_helmfile(
    path: Path,
    tier_label: str | None = None,
    environment: str | None = None,
    rendered: Mapping[Path, str] | None = None,
) -> Imported:
    """The stack document for the helmfile at `path` (and what it could not carry over).

    With `environment`, the stack holds that environment only and `condition:` is read from its
    values (as `helmfile -e ENV sync`); else every environment is kept and conditions are read
    from `default`'s, with a warning for each condition another environment decides otherwise.
    `rendered` maps a state file (resolved path) to the text `helmfile build` printed for it, read
    instead of the file; a templated file not in it raises TemplatedHelmfile.
    """
    root = path.parent
    state = _State(rendered=dict(rendered or {}))
    _read(path, root, state)
    if (
        environment is not None
        and environment != "default"
        and environment not in state.environments
    ):
        raise ConfigError(
            f'environment "{environment}" is not defined in the helmfile',
            hint=f"defined: {', '.join(sorted(state.environments)) or 'none'}",
            location=SourceLocation(_shown(path, root)),
        )
    out = Imported(stack={})
    chosen = environment or "default"
    env_values = {name: _environment_values(state, name) for name in {*state.environments, chosen}}
    converted_all: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    for release, base, positions, index, state_name in state.releases:
        if environment is None:
            _warn_conditions(release, positions, index, env_values, out)
        converted = _release(release, base, root, state, positions, index, out, env_values[chosen])
        if converted is not None:
            converted_all.append((converted, release, state_name))
    known = {f"{c['namespace']}/{c['name']}": c for c, _, _ in converted_all}
    placed = []
    for converted, release, state_name in converted_all:
        needs = [
            need_key(str(n), converted["namespace"], known) for n in release.get("needs") or []
        ]
        kept = tuple(dict.fromkeys(n for n in needs if n is not None))
        if kept:
            converted["needs"] = list(kept)
        label = (release.get("labels") or {}).get(tier_label) if tier_label else None
        placed.append(
            Placed(
                f"{converted['namespace']}/{converted['name']}",
                kept,
                state_name,
                None if label is None else str(label),
            )
        )
    tiers, order = assign_tiers(placed, tier_label is not None)
    context = state.defaults.get("kubeContext")
    cluster: dict[str, Any] = {"kubeconfig": "~/.kube/config"}
    if context:
        cluster["context"] = str(context)
    names = [environment] if environment else list(state.environments) or ["default"]
    out.stack = {
        "apiVersion": "unideploy.io/v1",
        "name": _slug(root.resolve().name or "stack"),
        **({"tiers": order} if order else {}),
        "environments": {name: {"cluster": cluster} for name in names},
        "releases": [
            {**c, "tier": tiers[f"{c['namespace']}/{c['name']}"]} for c, _, _ in converted_all
        ],
    }
    return out


def _environment_values(state: _State, name: str) -> dict[str, Any]:
    """An environment's values, merged in order (what helmfile's `.Values` and conditions see)."""
    merged: dict[str, Any] = {}
    for entry in state.environments.get(name) or []:
        if isinstance(entry, Path):
            document, _ = load_yaml_file(entry)
            entry = document or {}
        if isinstance(entry, dict):
            merged = _merge(merged, entry)
    return merged


def _merge(base: Mapping[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in layer.items():
        old = out.get(key)
        out[key] = (
            _merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return out


def _warn_conditions(
    release: Mapping[str, Any],
    positions: Positions,
    index: int,
    env_values: Mapping[str, Mapping[str, Any]],
    out: Imported,
) -> None:
    condition = release.get("condition")
    decided = {name: _condition(condition, values) for name, values in env_values.items()}
    if len(set(decided.values())) > 1:
        on = ", ".join(sorted(n for n, v in decided.items() if v))
        out.warnings.append(
            Warning_(
                str(release.get("name")),
                positions.locate(("releases", index, "condition"), prefer_key=True),
                f"condition {condition} holds in {on} only: import once per environment "
                "with -e ENV (read here from default)",
            )
        )


def _release(
    release: Mapping[str, Any],
    base: Path,
    root: Path,
    state: _State,
    positions: Positions,
    index: int,
    out: Imported,
    env_values: Mapping[str, Any],
) -> dict[str, Any] | None:
    name = str(release.get("name"))
    where = ("releases", index)
    for key in release:
        if key == "hooks" and not any(
            isinstance(h, dict) and h.get("command") for h in release[key] or []
        ):
            continue
        if key in UNSUPPORTED and release[key]:
            out.warnings.append(
                Warning_(name, positions.locate((*where, key), prefer_key=True), UNSUPPORTED[key])
            )
        elif key not in HANDLED and key not in UNSUPPORTED:
            out.warnings.append(
                Warning_(
                    name,
                    positions.locate((*where, key), prefer_key=True),
                    f"`{key}` has no equivalent: check the release by hand",
                )
            )
    if release.get("installed") is False or not _condition(release.get("condition"), env_values):
        return None
    defaults = state.defaults
    converted: dict[str, Any] = {
        "name": name,
        "namespace": str(release.get("namespace") or defaults.get("namespace") or "default"),
        "chart": _chart(str(release.get("chart")), release.get("version"), base, root, state),
    }
    values: list[Any] = []
    for entry in release.get("values") or []:
        if isinstance(entry, dict):
            values.append(entry)
        else:
            file = (base / str(entry)).resolve()
            out.values_files.append(file)
            values.append(_shown(file, root))
    values.extend(set_layers(dict(release), positions.locate(where)))
    if values:
        converted["values"] = values
    for key in ("wait", "atomic"):
        if key in release or key in defaults:
            converted[key] = bool(release.get(key, defaults.get(key)))
    if "timeout" in release or "timeout" in defaults:
        converted["timeout"] = int(release.get("timeout", defaults.get("timeout")))
    return converted


def _condition(condition: Any, values: Mapping[str, Any]) -> bool:
    """Helmfile's `condition: a.b.enabled`: the release is installed when that value is true."""
    if not condition:
        return True
    node: Any = values
    for part in str(condition).split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return bool(node)


def _chart(chart: str, version: Any, base: Path, root: Path, state: _State) -> dict[str, Any]:
    repo_name, _, chart_name = chart.partition("/")
    repo = state.repositories.get(repo_name) if chart_name else None
    if repo is None:
        return {"path": _shown((base / chart).resolve(), root)}
    url = str(repo.get("url", "")).rstrip("/")
    out: dict[str, Any]
    if repo.get("oci"):
        out = {"oci": f"oci://{url.removeprefix('oci://')}/{chart_name}"}
    else:
        out = {"repo": url, "name": chart_name}
    if version is not None:
        out["version"] = str(version)
    return out


def _slug(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
    return cleaned or "stack"

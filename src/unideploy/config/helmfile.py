"""Read a plain (non-templated) helmfile and turn it into a stack.yaml document plus warnings.

Input: helmfile.yaml (its `bases:` and nested `helmfiles:` followed, paths relative to each file).
Output: the stack document, the values files to copy (relative to the helmfile's directory) and
one warning per key that has no equivalent, each with file:line and what to do. Pure apart from
reading the files; service/import_helmfile.py writes the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.config.yamlsafe import Positions, load_yaml_file
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


@dataclass
class _State:
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    releases: list[tuple[dict[str, Any], Path, Positions, int]] = field(default_factory=list)


def _load(path: Path, root: Path) -> tuple[dict[str, Any], Positions]:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if path.suffix == ".gotmpl" or "{{" in text:
        raise ConfigError(
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


def _read(path: Path, root: Path, state: _State, depth: int = 0) -> None:
    if depth > 8:
        raise ConfigError("bases/helmfiles nest deeper than 8", location=SourceLocation(str(path)))
    document, positions = _load(path, root)
    for base in document.get("bases") or []:
        _read(path.parent / str(base), root, state, depth + 1)
    for name, repo in _named(document.get("repositories")):
        state.repositories[name] = repo
    state.defaults.update(document.get("helmDefaults") or {})
    for name, env in (document.get("environments") or {}).items():
        state.environments.setdefault(str(name), {}).update(env or {})
    for index, release in enumerate(document.get("releases") or []):
        state.releases.append((release, path.parent, positions, index))
    for nested in document.get("helmfiles") or []:
        target = nested.get("path") if isinstance(nested, dict) else nested
        _read(path.parent / str(target), root, state, depth + 1)


def _named(items: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name"):
            yield str(item["name"]), item


def import_helmfile(path: Path, tier_label: str | None = None) -> Imported:
    """The stack document for the helmfile at `path` (and what it could not carry over)."""
    root = path.parent
    state = _State()
    _read(path, root, state)
    out = Imported(stack={})
    releases: list[dict[str, Any]] = []
    labels: dict[str, str] = {}
    env_values = _environment_values(state, root)
    for release, base, positions, index in state.releases:
        converted = _release(release, base, root, state, positions, index, out, env_values)
        if converted is not None:
            releases.append(converted)
            if tier_label:
                labels[converted["name"]] = str((release.get("labels") or {}).get(tier_label, ""))
    tiers = _tiers(releases, labels if tier_label else None)
    context = state.defaults.get("kubeContext")
    cluster: dict[str, Any] = {"kubeconfig": "~/.kube/config"}
    if context:
        cluster["context"] = str(context)
    environments = {name: {"cluster": cluster} for name in state.environments}
    out.stack = {
        "apiVersion": "unideploy.io/v1",
        "name": _slug(root.resolve().name or "stack"),
        "tiers": sorted(set(tiers.values()), key=lambda t: _tier_order(t, tiers, releases)),
        "environments": environments or {"default": {"cluster": cluster}},
        "releases": [{**r, "tier": tiers[r["name"]]} for r in releases],
    }
    return out


def _environment_values(state: _State, root: Path) -> dict[str, Any]:
    """The `default` environment's values (the ones helmfile uses without -e), for conditions."""
    merged: dict[str, Any] = {}
    for entry in (state.environments.get("default") or {}).get("values") or []:
        if isinstance(entry, dict):
            merged.update(entry)
        elif (root / str(entry)).is_file():
            document, _ = load_yaml_file(root / str(entry))
            merged.update(document or {})
    return merged


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
    sets = _sets(release.get("set"), False) | _sets(release.get("setString"), True)
    if sets:
        values.append(sets)
    if values:
        converted["values"] = values
    needs = [_need(str(n)) for n in release.get("needs") or []]
    if needs:
        converted["needs"] = needs
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


def _sets(entries: Any, as_string: bool) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for entry in entries or []:
        node = nested
        parts = str(entry.get("name")).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        value = entry.get("value", entry.get("values"))
        node[parts[-1]] = str(value) if as_string else value
    return nested


def _need(text: str) -> str:
    """`ns/name` stays; `kube-context/ns/name` loses the context (one cluster per environment)."""
    parts = text.split("/")
    return "/".join(parts[-2:])


def _tiers(releases: list[dict[str, Any]], labels: Mapping[str, str] | None) -> dict[str, str]:
    if labels is not None:
        return {r["name"]: labels.get(r["name"]) or "default" for r in releases}
    by_key = {f"{r['namespace']}/{r['name']}": r for r in releases}
    layer: dict[str, int] = {}

    def depth(key: str, seen: frozenset[str] = frozenset()) -> int:
        if key in layer:
            return layer[key]
        release = by_key.get(key)
        wanted = (
            [
                n if "/" in n else f"{release['namespace']}/{n}"
                for n in (release or {}).get("needs", [])
            ]
            if release
            else []
        )
        found = 1 + max(
            (depth(n, seen | {key}) for n in wanted if n in by_key and n not in seen), default=-1
        )
        layer[key] = found
        return found

    return {r["name"]: f"layer-{depth(k)}" for k, r in by_key.items()}


def _tier_order(
    tier: str, tiers: Mapping[str, str], releases: list[dict[str, Any]]
) -> tuple[int, str]:
    if tier.startswith("layer-") and tier[6:].isdigit():
        return (int(tier[6:]), tier)
    first = next(i for i, r in enumerate(releases) if tiers[r["name"]] == tier)
    return (first, tier)


def _slug(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
    return cleaned or "stack"

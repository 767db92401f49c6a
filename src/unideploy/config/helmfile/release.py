"""One helmfile release as a stack.yaml release, and the warnings for what has no equivalent.

Called by config/helmfile/stack.py for each release read by source.py, in order; `condition:` is
decided from the environment's values, as helmfile decides it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unideploy.config.helmfile.model import Imported, Warning_
from unideploy.config.helmfile.sets import set_layers
from unideploy.config.helmfile.source import State, shown
from unideploy.config.yamlsafe import Positions

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


def warn_conditions(
    release: Mapping[str, Any],
    positions: Positions,
    index: int,
    env_values: Mapping[str, Mapping[str, Any]],
    out: Imported,
) -> None:
    condition = release.get("condition")
    decided = {name: condition_holds(condition, values) for name, values in env_values.items()}
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


def convert_release(
    release: Mapping[str, Any],
    base: Path,
    root: Path,
    state: State,
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
    if release.get("installed") is False or not condition_holds(
        release.get("condition"), env_values
    ):
        return None
    defaults = state.defaults
    converted: dict[str, Any] = {
        "name": name,
        "namespace": str(release.get("namespace") or defaults.get("namespace") or "default"),
        "chart": chart_source(str(release.get("chart")), release.get("version"), base, root, state),
    }
    values: list[Any] = []
    for entry in release.get("values") or []:
        if isinstance(entry, dict):
            values.append(entry)
        else:
            file = (base / str(entry)).resolve()
            out.values_files.append(file)
            values.append(shown(file, root))
    values.extend(set_layers(dict(release), positions.locate(where)))
    if values:
        converted["values"] = values
    for key in ("wait", "atomic"):
        if key in release or key in defaults:
            converted[key] = bool(release.get(key, defaults.get(key)))
    if "timeout" in release or "timeout" in defaults:
        converted["timeout"] = int(release.get("timeout", defaults.get("timeout")))
    return converted


def condition_holds(condition: Any, values: Mapping[str, Any]) -> bool:
    """Helmfile's `condition: a.b.enabled`: the release is installed when that value is true."""
    if not condition:
        return True
    node: Any = values
    for part in str(condition).split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return bool(node)


def chart_source(chart: str, version: Any, base: Path, root: Path, state: State) -> dict[str, Any]:
    repo_name, _, chart_name = chart.partition("/")
    repo = state.repositories.get(repo_name) if chart_name else None
    if repo is None:
        return {"path": shown((base / chart).resolve(), root)}
    url = str(repo.get("url", "")).rstrip("/")
    out: dict[str, Any]
    if repo.get("oci"):
        out = {"oci": f"oci://{url.removeprefix('oci://')}/{chart_name}"}
    else:
        out = {"repo": url, "name": chart_name}
    if version is not None:
        out["version"] = str(version)
    return out

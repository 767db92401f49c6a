"""The stack.yaml document of a helmfile: releases converted and placed in tiers, environments kept.

Reads through source.py, converts through release.py, places tiers through tiers.py; pure apart from
reading the files. service/import_helmfile.py writes the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unideploy.config.helmfile.model import Imported
from unideploy.config.helmfile.release import convert_release, warn_conditions
from unideploy.config.helmfile.source import State, environment_values, read_state, shown, slug
from unideploy.config.helmfile.tiers import Placed, assign_tiers, need_key
from unideploy.config.yamlsafe import Positions
from unideploy.errors import ConfigError, SourceLocation


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
    state = State(rendered=dict(rendered or {}), environment=environment)
    read_state(path, root, state)
    if (
        environment is not None
        and environment != "default"
        and environment not in state.environments
    ):
        raise ConfigError(
            f'environment "{environment}" is not defined in the helmfile',
            hint=f"defined: {', '.join(sorted(state.environments)) or 'none'}",
            location=SourceLocation(shown(path, root)),
        )
    out = Imported(stack={})
    chosen = environment or "default"
    env_values = {name: environment_values(state, name) for name in {*state.environments, chosen}}
    converted_all: list[tuple[dict[str, Any], dict[str, Any], str, Positions, int]] = []
    for release, base, positions, index, state_name in state.releases:
        if environment is None:
            warn_conditions(release, positions, index, env_values, out)
        converted = convert_release(
            release, base, root, state, positions, index, out, env_values[chosen]
        )
        if converted is not None:
            converted_all.append((converted, release, state_name, positions, index))
    default_context = str(state.defaults.get("kubeContext") or "")

    def context_of(release: Mapping[str, Any]) -> str:
        return str(release.get("kubeContext") or default_context)

    known = {f"{c['namespace']}/{c['name']}": context_of(r) for c, r, _, _, _ in converted_all}
    placed = []
    for converted, release, state_name, positions, index in converted_all:
        needs = [
            need_key(
                str(n),
                converted["namespace"],
                context_of(release),
                known,
                positions.locate(("releases", index, "needs", i)),
            )
            for i, n in enumerate(release.get("needs") or [])
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
        "name": slug(root.resolve().name or "stack"),
        **({"tiers": order} if order else {}),
        "environments": {name: {"cluster": cluster} for name in names},
        "releases": [
            {**c, "tier": tiers[f"{c['namespace']}/{c['name']}"]} for c, *_ in converted_all
        ],
    }
    return out

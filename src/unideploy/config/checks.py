"""Cross-checks on a Stack that one field alone cannot express.

Tiers, environment and module references, release uniqueness, `needs` (undefined, cyclic, pointing
to a later tier) and files that must exist. Runs once after the model validated; raises ConfigError.
"""

from __future__ import annotations

import graphlib
from collections import Counter

from unideploy.config.model import Release
from unideploy.config.stack import Stack
from unideploy.config.suggest import hint_for
from unideploy.errors import ConfigError, SourceLocation


def check_stack(stack: Stack) -> None:
    """Raise the first cross-reference problem found in `stack`, in file order."""
    _check_tiers(stack)
    _check_environments(stack)
    _check_terraform(stack)
    _check_releases(stack)
    resolve_needs(stack)
    if stack.file.tests:  # the tests' models load only for a stack that declares tests
        from unideploy.config.tests_model import parse_tests

        parse_tests(stack)


def _check_tiers(stack: Stack) -> None:
    tiers = stack.file.tiers
    if not tiers:
        raise ConfigError(
            "tiers must not be empty",
            hint="omit it for the default",
            location=stack.locate("tiers"),
        )
    for index, (tier, count) in enumerate(Counter(tiers).items()):
        if count > 1:
            raise ConfigError(
                f'tier "{tier}" is listed twice', location=stack.locate("tiers", index)
            )


def _check_environments(stack: Stack) -> None:
    envs = stack.file.environments
    if not envs:
        raise ConfigError(
            "no environments are defined",
            hint="add at least one, e.g. development",
            location=stack.locate("environments"),
        )
    for name, env in envs.items():
        if env.promote_from is not None and env.promote_from not in envs:
            raise ConfigError(
                f'environment "{name}" promotes from "{env.promote_from}", which is not defined',
                hint=hint_for(env.promote_from, envs, "environments"),
                location=stack.locate("environments", name, "promoteFrom"),
            )
        if env.promote_from == name:
            raise ConfigError(
                f'environment "{name}" cannot promote from itself',
                location=stack.locate("environments", name, "promoteFrom"),
            )
        for index, values_file in enumerate(stack.environment_values_files(name)):
            if not stack.resolve(values_file).is_file():
                raise ConfigError(
                    f'values file "{values_file}" of environment "{name}" does not exist',
                    hint=f"create it, or fix the path (relative to {stack.shown(stack.root)})",
                    location=stack.locate("environments", name, "values", index),
                )


def _check_terraform(stack: Stack) -> None:
    seen: set[str] = set()
    for index, module in enumerate(stack.file.terraform.modules):
        at = ("terraform", "modules", index)
        if module.name in seen:
            raise ConfigError(
                f'terraform module "{module.name}" is defined twice',
                location=stack.locate(*at, "name"),
            )
        seen.add(module.name)
        if not stack.resolve(module.path).is_dir():
            raise ConfigError(
                f'terraform module directory "{module.path}" does not exist',
                hint="paths are relative to the directory holding stack.yaml",
                location=stack.locate(*at, "path"),
            )
        for env_name in module.environments:
            if env_name not in stack.file.environments:
                raise ConfigError(
                    f'terraform module "{module.name}" overrides unknown environment "{env_name}"',
                    hint=hint_for(env_name, stack.file.environments, "environments"),
                    location=stack.locate(*at, "environments", env_name, key=True),
                )


def _check_releases(stack: Stack) -> None:
    seen: dict[str, int] = {}
    for index, release in enumerate(stack.file.releases):
        at = ("releases", index)
        if release.key in seen:
            line = stack.locate("releases", seen[release.key]).line
            raise ConfigError(
                f'release "{release.name}" is defined twice in namespace "{release.namespace}" '
                f"(first on line {line})",
                hint="rename one of them or move it to another namespace",
                location=stack.locate(*at, "name"),
            )
        seen[release.key] = index
        if release.tier not in stack.file.tiers:
            raise ConfigError(
                f'release "{release.name}" is in tier "{release.tier}", which is not defined',
                hint=hint_for(release.tier, stack.file.tiers, "tiers"),
                location=stack.locate(*at, "tier"),
            )
        if release.chart.path is not None:
            chart_dir = stack.resolve(release.chart.path)
            if not (chart_dir / "Chart.yaml").is_file():
                raise ConfigError(
                    f'chart of release "{release.name}" not found: {release.chart.path} has no '
                    "Chart.yaml",
                    hint="point chart.path at a chart directory, or use repo/name/version",
                    location=stack.locate(*at, "chart", "path"),
                )
        for value_index, entry in enumerate(release.values):
            if isinstance(entry, str) and not stack.resolve(entry).is_file():
                raise ConfigError(
                    f'values file "{entry}" of release "{release.name}" does not exist',
                    hint="paths are relative to the directory holding stack.yaml",
                    location=stack.locate(*at, "values", value_index),
                )


def resolve_needs(stack: Stack) -> dict[str, tuple[str, ...]]:
    """Map each release key to the keys it needs; raise on undefined, later-tier or cyclic needs."""
    releases = stack.file.releases
    by_name: dict[str, list[Release]] = {}
    for release in releases:
        by_name.setdefault(release.name, []).append(release)
    tier_rank = {tier: rank for rank, tier in enumerate(stack.file.tiers)}
    graph: dict[str, tuple[str, ...]] = {}
    for index, release in enumerate(releases):
        resolved: list[str] = []
        for need_index, need in enumerate(release.needs):
            where = stack.locate("releases", index, "needs", need_index)
            target = _find_need(need, release, by_name, where)
            if target is None:
                raise ConfigError(
                    f'release "{release.name}" needs "{need}", which is not defined',
                    hint=hint_for(need, by_name, "releases"),
                    location=where,
                )
            if target.key == release.key:
                raise ConfigError(
                    f'release "{release.name}" needs itself',
                    hint="remove it from its own needs",
                    location=where,
                )
            if tier_rank[target.tier] > tier_rank[release.tier]:
                raise ConfigError(
                    f'release "{release.name}" (tier {release.tier}) needs "{target.name}", which '
                    f"is in the later tier {target.tier}",
                    hint="tiers deploy in order: move one of them, or drop the need",
                    location=where,
                )
            resolved.append(target.key)
        graph[release.key] = tuple(resolved)
    _check_cycles(stack, graph)
    return graph


def _find_need(
    need: str, release: Release, by_name: dict[str, list[Release]], where: SourceLocation
) -> Release | None:
    if "/" in need:
        namespace, name = need.split("/", 1)
        return next((r for r in by_name.get(name, []) if r.namespace == namespace), None)
    candidates = by_name.get(need, [])
    if len(candidates) > 1:
        same_ns = [r for r in candidates if r.namespace == release.namespace]
        if len(same_ns) == 1:
            return same_ns[0]
        raise ConfigError(
            f'release "{release.name}" needs "{need}", which exists in several namespaces',
            hint="write it as namespace/name: " + ", ".join(r.key for r in candidates),
            location=where,
        )
    return candidates[0] if candidates else None


def _check_cycles(stack: Stack, graph: dict[str, tuple[str, ...]]) -> None:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle: list[str] = list(reversed(exc.args[1]))
        names = [key.split("/", 1)[1] for key in cycle]
        first = next(i for i, r in enumerate(stack.file.releases) if r.key == cycle[0])
        raise ConfigError(
            "releases need each other in a cycle: " + " → ".join(names),
            hint="remove one of these needs to break the cycle",
            location=stack.locate("releases", first, "needs"),
        ) from None

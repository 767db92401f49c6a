"""Tiers of an imported helmfile, in an order that keeps helmfile's apply order.

helmfile applies nested `helmfiles:` one after the other, before the releases of the file that
lists them, and inside one file in batches given by `needs`. Without `--tier-label` each file's
needs layers become tiers (`layer-N`, prefixed by the nested file's name when there are several
files); with it, each release's label value names its tier (`default` when absent) and the tiers
are ordered so that every need is deployed first. Releases are keyed `namespace/name`, so two
releases of one name in different namespaces keep their own tiers. Called by config/helmfile.py.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from unideploy.errors import ConfigError, SourceLocation


@dataclass(frozen=True)
class Placed:
    """One imported release as the tier computation sees it."""

    key: str  # namespace/name
    needs: tuple[str, ...]  # keys of imported releases
    state: str  # the (nested) helmfile it came from, in processing order
    label: str | None  # its --tier-label value, when that option is given


def assign_tiers(releases: Sequence[Placed], by_label: bool) -> tuple[dict[str, str], list[str]]:
    """The tier of each release key, and the tiers in deployment order."""
    if by_label:
        return _label_tiers(releases)
    states = list(dict.fromkeys(r.state for r in releases))
    by_key = {r.key: r for r in releases}
    depth: dict[str, int] = {}
    graph = {r.key: [n for n in r.needs if by_key[n].state == r.state] for r in releases}
    try:
        ordered = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise ConfigError(
            f"the releases' needs form a cycle: {' -> '.join(exc.args[1])}",
            hint="helmfile refuses this too: drop one of the needs",
        ) from None
    for key in ordered:
        depth[key] = 1 + max(
            (depth[n] for n in by_key[key].needs if by_key[n].state == by_key[key].state),
            default=-1,
        )
    prefixed = len(states) > 1

    def name(release: Placed) -> str:
        layer = f"layer-{depth[release.key]}"
        return f"{release.state}-{layer}" if prefixed else layer

    tiers = {r.key: name(r) for r in releases}
    order = sorted(
        set(tiers.values()),
        key=lambda t: min(
            (states.index(r.state), depth[r.key]) for r in releases if tiers[r.key] == t
        ),
    )
    return tiers, order


def _label_tiers(releases: Sequence[Placed]) -> tuple[dict[str, str], list[str]]:
    tiers = {r.key: r.label or "default" for r in releases}
    first = list(dict.fromkeys(tiers[r.key] for r in releases))
    before: dict[str, set[str]] = {tier: set() for tier in first}
    for release in releases:
        for need in release.needs:
            if tiers[need] != tiers[release.key]:
                before[tiers[release.key]].add(tiers[need])
    order: list[str] = []
    while len(order) < len(first):
        ready = [t for t in first if t not in order and before[t] <= set(order)]
        if not ready:
            left = [t for t in first if t not in order]
            raise ConfigError(
                f"the needs between tiers {', '.join(left)} form a cycle",
                hint="tiers deploy one after another: give these releases one tier label",
            )
        order.append(ready[0])  # the first declared of the tiers whose needs are all placed
    return tiers, order


def need_key(
    text: str,
    namespace: str,
    context: str,
    known: Mapping[str, str],
    location: SourceLocation | None = None,
) -> str | None:
    """`name`, `ns/name` or `kube-context/ns/name` as an imported key (None: not imported).

    `known` maps each imported key to its release's kube-context (its `kubeContext`, else
    helmDefaults'). As in helmfile, a need without a context means the needing release's
    `context`, and it names a release only in that context: helmfile refuses any other as an
    undefined release, and so does the import (a config error at the need's line).
    """
    parts = text.split("/")
    key = "/".join(parts[-2:]) if len(parts) > 1 else f"{namespace}/{text}"
    if key not in known:
        return None
    wanted = "/".join(parts[:-2]) if len(parts) > 2 else context
    if known[key] != wanted:
        has = f'kube-context "{known[key]}"' if known[key] else "no kube-context"
        asked = f'kube-context "{wanted}"' if wanted else "no kube-context"
        raise ConfigError(
            f'needs "{text}" names release {key} in {asked}, but it has {has}: helmfile '
            "refuses this as an undefined release",
            hint=f'write the need as "{known[key] + "/" if known[key] else ""}{key}", or give '
            "the releases the same kubeContext",
            location=location,
        )
    return key

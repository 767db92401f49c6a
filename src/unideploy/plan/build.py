"""Turn a validated Stack into a Plan: phases, tiers in order, releases in waves by `needs`.

Pure: no I/O, no engines. `execute` consumes the Plan; `cli plan` prints it (helmfile's show-dag).
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unideploy.config.checks import resolve_needs
from unideploy.config.stack import Stack

PHASES = ("preflight", "terraform", "helm", "security", "tests")


@dataclass(frozen=True)
class PlannedRelease:
    """One Helm release as it will be deployed."""

    name: str
    namespace: str
    tier: str
    chart: str
    needs: tuple[str, ...]
    wave: int
    timeout: int
    atomic: bool
    wait: bool

    @property
    def key(self) -> str:
        """namespace/name."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class PlannedModule:
    """One Terraform module with the variables it gets in this environment."""

    name: str
    path: str
    vars: Mapping[str, Any]


@dataclass(frozen=True)
class Tier:
    """A tier and its releases in deployment order."""

    name: str
    releases: tuple[PlannedRelease, ...]


@dataclass(frozen=True)
class PlannedPhase:
    """A phase of the pipeline and why it would be skipped, if it would."""

    name: str
    steps: int
    skipped: str | None = None


@dataclass(frozen=True)
class Plan:
    """What a deploy of one environment will do, in order."""

    stack: str
    environment: str
    phases: tuple[PlannedPhase, ...]
    modules: tuple[PlannedModule, ...]
    tiers: tuple[Tier, ...]
    skip: frozenset[str] = field(default_factory=frozenset)

    @property
    def releases(self) -> tuple[PlannedRelease, ...]:
        """Every release, tier by tier, wave by wave."""
        return tuple(release for tier in self.tiers for release in tier.releases)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (stable keys, for machines)."""
        return {
            "stack": self.stack,
            "environment": self.environment,
            "phases": [
                {"name": p.name, "steps": p.steps, "skipped": p.skipped} for p in self.phases
            ],
            "terraform": [
                {"name": m.name, "path": m.path, "vars": dict(m.vars)} for m in self.modules
            ],
            "tiers": [
                {
                    "name": tier.name,
                    "releases": [
                        {
                            "name": r.name,
                            "namespace": r.namespace,
                            "chart": r.chart,
                            "needs": list(r.needs),
                            "wave": r.wave,
                            "timeout": r.timeout,
                            "atomic": r.atomic,
                        }
                        for r in tier.releases
                    ],
                }
                for tier in self.tiers
            ],
        }


def build_plan(stack: Stack, environment: str, skip: frozenset[str] = frozenset()) -> Plan:
    """Plan a deploy of `environment`; `skip` names phases to leave out (e.g. {"terraform"})."""
    stack.environment(environment)
    graph = resolve_needs(stack)
    tier_of = {release.key: release.tier for release in stack.file.releases}
    waves = _waves(
        {key: tuple(n for n in needs if tier_of[n] == tier_of[key]) for key, needs in graph.items()}
    )
    by_key = {release.key: release for release in stack.file.releases}
    position = {release.key: index for index, release in enumerate(stack.file.releases)}
    tiers: list[Tier] = []
    for tier_name in stack.file.tiers:
        members = [r for r in stack.file.releases if r.tier == tier_name]
        members.sort(key=lambda r: (waves[r.key], position[r.key]))
        tiers.append(
            Tier(
                tier_name,
                tuple(
                    PlannedRelease(
                        name=r.name,
                        namespace=r.namespace,
                        tier=r.tier,
                        chart=r.chart.source,
                        needs=tuple(
                            _short(key, by_key[key].namespace, r.namespace) for key in graph[r.key]
                        ),
                        wave=waves[r.key],
                        timeout=r.timeout,
                        atomic=r.atomic,
                        wait=r.wait,
                    )
                    for r in members
                ),
            )
        )
    modules = tuple(
        PlannedModule(
            name=m.name,
            path=m.path,
            vars={
                **m.vars,
                **(m.environments[environment].vars if environment in m.environments else {}),
                "environment": environment,
            },
        )
        for m in stack.file.terraform.modules
    )
    counts = {
        "preflight": 1,
        "terraform": len(modules),
        "helm": len(stack.file.releases),
        "security": 1,
        "tests": len(stack.file.tests.get("tests", []) or []) if stack.file.tests else 0,
    }
    phases = tuple(
        PlannedPhase(name, counts[name], f"--skip-{name}" if name in skip else None)
        for name in PHASES
    )
    return Plan(stack.file.name, environment, phases, modules, tuple(tiers), skip)


def _short(key: str, target_namespace: str, own_namespace: str) -> str:
    return key.split("/", 1)[1] if target_namespace == own_namespace else key


def _waves(graph: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Depth in the graph of same-tier needs: 1 for none, else 1 + the deepest need's wave."""
    waves: dict[str, int] = {}
    for key in graphlib.TopologicalSorter(graph).static_order():
        waves[key] = 1 + max((waves[need] for need in graph.get(key, ())), default=0)
    return waves

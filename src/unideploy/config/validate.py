"""Validate one environment end to end: its values files, layering and references for every release.

The library side of `unideploy validate`; the deploy pipeline's preflight calls it too. Pure config:
no cluster, no engines. Terraform references are checked for shape and left pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.config.layering import load_environment_values, release_values
from unideploy.config.refs import references_in
from unideploy.config.stack import Stack


@dataclass(frozen=True)
class EnvironmentReport:
    """What was validated for one environment."""

    environment: str
    releases: int
    tiers: int
    terraform_modules: int
    values_files: tuple[str, ...]
    pending_terraform_references: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "environment": self.environment,
            "valid": True,
            "releases": self.releases,
            "tiers": self.tiers,
            "terraform_modules": self.terraform_modules,
            "values_files": list(self.values_files),
            "pending_terraform_references": list(self.pending_terraform_references),
        }


def validate_environment(
    stack: Stack, environment: str, extra_files: Sequence[Path] = (), sets: Sequence[str] = ()
) -> EnvironmentReport:
    """Layer and resolve every release's values for `environment`; raise on the first problem."""
    env_values = load_environment_values(stack, environment, extra_files, sets)
    pending: set[str] = set()
    for release in stack.file.releases:
        values = release_values(stack, env_values, release)
        pending.update(_terraform_refs(values))
    return EnvironmentReport(
        environment=environment,
        releases=len(stack.file.releases),
        tiers=len(stack.file.tiers),
        terraform_modules=len(stack.file.terraform.modules),
        values_files=stack.environment_values_files(environment),
        pending_terraform_references=tuple(sorted(pending)),
    )


def _terraform_refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {ref for item in value.values() for ref in _terraform_refs(item)}
    if isinstance(value, list):
        return {ref for item in value for ref in _terraform_refs(item)}
    if isinstance(value, str):
        return {ref for ref in references_in(value) if ref.startswith("terraform.")}
    return set()

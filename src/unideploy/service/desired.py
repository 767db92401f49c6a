"""The desired state of one environment: every release with its layered values and rendered objects.

Shared by the renderers (Argo CD, Flux, plain manifests) and drift. Terraform references are
resolved from an outputs file when given, else from the environment's Terraform state; a reference
that stays unresolved is an error, never a `${…}` string shipped to a cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unideploy.config.layering import release_values
from unideploy.config.model import Release
from unideploy.config.refs import REFERENCE
from unideploy.config.stack import Stack
from unideploy.config.yamlsafe import load_yaml_file
from unideploy.engines.helm.contract import HelmEngine, Rendered
from unideploy.engines.kube.client import CLUSTER_SCOPED
from unideploy.errors import ConfigError
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.specs import release_spec
from unideploy.plan.build import PlannedRelease
from unideploy.service.deploy import DeployRequest, pipeline_context

_OUTPUTS_HINT = (
    "give --terraform-outputs FILE, or apply Terraform for this environment first "
    "(`unideploy deploy -e ENV --skip-helm`) so its state has the outputs"
)


@dataclass(frozen=True)
class DesiredRelease:
    """One release as the environment wants it."""

    release: Release
    planned: PlannedRelease
    values: Mapping[str, Any]
    rendered: Rendered | None

    @property
    def key(self) -> str:
        """namespace/name."""
        return self.release.key

    def objects(self) -> list[dict[str, Any]]:
        """The rendered objects, each with its namespace filled in (none when cluster-scoped)."""
        if self.rendered is None:
            return []
        result = []
        for manifest in self.rendered.manifests:
            obj = dict(manifest)
            meta = dict(obj.get("metadata") or {})
            if obj.get("kind") in CLUSTER_SCOPED:
                meta.pop("namespace", None)
            else:
                meta.setdefault("namespace", self.release.namespace)
            obj["metadata"] = meta
            result.append(obj)
        return result


@dataclass(frozen=True)
class DesiredState:
    """Every release of one environment, in plan order (tier by tier, wave by wave)."""

    stack: Stack
    environment: str
    context: PipelineContext
    releases: tuple[DesiredRelease, ...]


def load_outputs_file(path: Path) -> dict[str, dict[str, Any]]:
    """A YAML/JSON mapping `module: {output: value}` standing in for Terraform state."""
    data, _ = load_yaml_file(path, str(path))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(
            f"{path}: Terraform outputs must be a mapping of module to {{output: value}}",
            hint="e.g. networking: {metallb_pool_name: production-pool}",
        )
    return {str(module): dict(outputs) for module, outputs in data.items()}


def desired_state(
    stack: Stack,
    environment: str,
    *,
    outputs_file: Path | None = None,
    render: bool = True,
    values_files: tuple[Path, ...] = (),
    sets: tuple[str, ...] = (),
    helm: HelmEngine | None = None,
    live: bool = False,
) -> DesiredState:
    """Layer (and with `render`, render) every release of `environment`.

    Rendering is offline unless `live`: then through Helm's server-side dry run, so templates
    that `lookup` the cluster render as the next upgrade would (drift's desired state).
    `helm` replaces the environment's Helm engine (tests pass a fake).
    """
    ctx = pipeline_context(stack, DeployRequest(environment, values_files=values_files, sets=sets))
    if helm is not None:
        ctx.make_helm = lambda: helm
    outputs = _outputs(ctx, stack, outputs_file)
    by_key = {release.key: release for release in stack.file.releases}
    desired = []
    for planned in ctx.plan.releases:
        release = by_key[planned.key]
        try:
            values = release_values(stack, ctx.env_values, release, outputs)
        except ConfigError as exc:
            raise ConfigError(exc.message, hint=_OUTPUTS_HINT, location=exc.location) from exc
        leftover = _unresolved(values)
        if leftover:
            raise ConfigError(
                f'release "{release.name}" still refers to {", ".join(sorted(leftover))}',
                hint=_OUTPUTS_HINT,
            )
        spec = release_spec(ctx, release, values)
        rendered = None
        if render:
            rendered = ctx.helm().render(spec, live=True) if live else ctx.helm().render(spec)
        desired.append(DesiredRelease(release, planned, values, rendered))
    return DesiredState(stack, environment, ctx, tuple(desired))


def _outputs(
    ctx: PipelineContext, stack: Stack, outputs_file: Path | None
) -> dict[str, dict[str, Any]]:
    if outputs_file is not None:
        return load_outputs_file(outputs_file)
    found: dict[str, dict[str, Any]] = {}
    for module in ctx.plan.modules:
        workspace = ctx.workspace(module.name)
        if workspace.state_file.is_file():
            values = ctx.terraform().outputs(workspace)
            found[module.name] = {name: out.value for name, out in values.items()}
    return found


def _unresolved(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {ref for item in value.values() for ref in _unresolved(item)}
    if isinstance(value, list):
        return {ref for item in value for ref in _unresolved(item)}
    if isinstance(value, str):
        return {
            match.group(0)
            for match in REFERENCE.finditer(value)
            if match.group(1).strip().startswith("terraform.")
        }
    return set()

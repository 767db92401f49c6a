"""Render every release of an environment offline: the manifests a deploy would apply.

Terraform outputs come from existing state when there is one (references stay visible otherwise).
Used by `security scan -e ENV`; nothing is applied and no cluster is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from unideploy.config.stack import Stack
from unideploy.execute.phases.helm_release import render_release
from unideploy.execute.phases.terraform import load_state_outputs
from unideploy.service.deploy import DeployRequest, pipeline_context


@dataclass(frozen=True)
class RenderedRelease:
    """One release's rendered objects (hooks included)."""

    name: str
    namespace: str
    manifests: tuple[dict[str, Any], ...]


def render_stack(stack: Stack, environment: str) -> list[RenderedRelease]:
    """Every release of `environment`, rendered, in deployment order."""
    ctx = pipeline_context(stack, DeployRequest(environment, dry_run=True))
    if ctx.plan.modules:
        load_state_outputs(ctx)
    rendered = []
    for planned in ctx.plan.releases:
        release = ctx.stack.release(planned.key)
        _, _, result = render_release(ctx, release)
        objects = tuple(dict(m) for m in (*result.manifests, *result.hooks))
        rendered.append(RenderedRelease(release.name, release.namespace, objects))
    return rendered


def write_rendered(releases: list[RenderedRelease], directory: Path) -> list[Path]:
    """One multi-document YAML file per release (`<namespace>_<name>.yaml`) in `directory`."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    written = []
    for release in releases:
        path = directory / f"{release.namespace}_{release.name}.yaml"
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump_all(
                [_with_namespace(obj, release.namespace) for obj in release.manifests], stream
            )
        written.append(path)
    return written


def _with_namespace(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    meta.setdefault("namespace", namespace)
    return {**obj, "metadata": meta}

"""Turn a stack release plus its layered values into the Helm engine's plain ReleaseSpec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unideploy.config.model import Release
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.execute.phases.context import PipelineContext
from unideploy.redact.values import secret_texts


def release_spec(
    ctx: PipelineContext,
    release: Release,
    values: Mapping[str, Any],
    *,
    engine_waits: bool = False,
    description: str | None = None,
) -> ReleaseSpec:
    """The spec for `release`; with `engine_waits` False we wait and roll back ourselves."""
    chart = release.chart
    if chart.path is not None:
        reference, repo = str(ctx.stack.resolve(chart.path)), None
    elif chart.repo is not None:
        reference, repo = str(chart.name), chart.repo
    else:
        reference, repo = str(chart.oci), None
    return ReleaseSpec(
        name=release.name,
        namespace=release.namespace,
        chart=reference,
        version=chart.version,
        repo_url=repo,
        values=dict(values),
        timeout_s=release.timeout,
        atomic=release.atomic and engine_waits,
        wait=release.wait and engine_waits,
        description=description,
        sensitive=tuple(secret_texts(values)),
        repositories=declared_repositories(ctx),
    )


def declared_repositories(ctx: PipelineContext) -> tuple[str, ...]:
    """Every chart repository (and OCI registry path) the stack's releases come from."""
    found: set[str] = set()
    for release in ctx.stack.file.releases:
        if release.chart.repo:
            found.add(release.chart.repo.rstrip("/"))
        elif release.chart.oci:
            found.add(release.chart.oci.rsplit("/", 1)[0])
    return tuple(sorted(found))

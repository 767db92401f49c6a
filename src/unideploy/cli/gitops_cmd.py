"""`unideploy gitops render|status`: feed Argo CD / Flux from the stack, read their state back."""

from __future__ import annotations

from pathlib import Path

import click

from unideploy.cli.common import (
    console,
    emit_json,
    environment_option,
    globals_of,
    output_option,
    values_options,
)
from unideploy.exitcodes import ExitCode
from unideploy.gitops.render import FLAVORS, RenderRequest, render


@click.group("gitops")
def gitops_group() -> None:
    """Render the stack for Argo CD or Flux, and read their sync state."""


@gitops_group.command("render")
@environment_option()
@click.option("--flavor", type=click.Choice(FLAVORS), required=True, help="What to render.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory to write into; FLAVOR/ inside it is replaced as a whole.",
)
@click.option("--repo-url", help="Git URL the controllers pull from (default: the origin remote).")
@click.option("--revision", default="main", show_default=True, help="Branch they follow.")
@click.option("--path-in-repo", help="Where --out sits in that repository (default: computed).")
@click.option("--cluster", help="Flux cluster directory name (default: the stack's name).")
@click.option(
    "--terraform-outputs",
    "outputs_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="YAML/JSON {module: {output: value}} instead of reading Terraform state.",
)
@click.option(
    "--ignore-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="ignoreDifferences rules (default: ignore-differences.yaml beside stack.yaml).",
)
@click.option("--commit", is_flag=True, help="Commit the rendering to a git branch.")
@click.option("--branch", help="Branch for --commit (default: rendered/ENV).")
@values_options
@output_option
@click.pass_context
def render_command(
    ctx: click.Context,
    environment: str,
    flavor: str,
    out: Path,
    repo_url: str | None,
    revision: str,
    path_in_repo: str | None,
    cluster: str | None,
    outputs_file: Path | None,
    ignore_file: Path | None,
    commit: bool,
    branch: str | None,
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
) -> int:
    """Render ENV for a GitOps controller, or as plain manifests.

    \b
    argocd     app-of-apps + one Application per release + an AppProject (OUT/argocd/)
    flux       sources, HelmReleases, one Kustomization per tier (OUT/flux/clusters/<name>/)
    manifests  every rendered object, one file each (OUT/manifests/<namespace>/<release>/)

    Terraform outputs referenced by values come from --terraform-outputs or the
    environment's Terraform state. Output is deterministic: rendering twice gives the same bytes.

    Examples:
      unideploy gitops render -e production --flavor argocd --out deployments/gitops
      unideploy gitops render -e staging --flavor manifests --out rendered --commit
    """
    request = RenderRequest(
        environment,
        flavor,
        out,
        repo_url=repo_url,
        revision=revision,
        path_in_repo=path_in_repo,
        cluster=cluster,
        outputs_file=outputs_file,
        ignore_file=ignore_file,
        commit=commit,
        branch=branch,
        values_files=values_files,
        sets=sets,
    )
    result = render(globals_of(ctx).stack(), request)
    if output == "json":
        emit_json(result.to_dict())
        return ExitCode.OK
    out_console = console()
    out_console.print(f"{result.files} file(s) written to {result.out / result.flavor}")
    if result.commit is not None:
        what = "committed" if result.commit.created else "unchanged, nothing committed"
        out_console.print(f"branch {result.commit.branch}: {result.commit.commit[:12]} ({what})")
    return ExitCode.OK

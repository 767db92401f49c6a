"""`unideploy gitops render`: the stack for Argo CD, Flux or as manifests (→ git, → push)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from unideploy.cli.common import (
    console,
    emit_json,
    environment_option,
    globals_of,
    output_option,
    values_options,
)
from unideploy.cli.gitops.charts_cmd import print_published
from unideploy.exitcodes import ExitCode
from unideploy.gitops.render import FLAVORS, RenderRequest, render


@click.command("render")
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
@click.option(
    "--push",
    is_flag=True,
    help="Commit a self-contained tree (the rendering and the local charts) and push it to "
    "--remote's --revision branch; without --remote, to the running `sandbox up --gitops flux`.",
)
@click.option("--remote", help="URL or path of the repository --push pushes to.")
@click.option(
    "--chart-repo",
    help="Take local charts from this Helm chart repository URL (published with `gitops "
    "charts`) instead of Git; `sandbox`: the Flux sandbox's, published to on --push.",
)
@click.option(
    "--allow-secrets", is_flag=True, help="Render even when secret values would land in git."
)
@click.option(
    "--seal-cert",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="sealed-secrets certificate (kubeseal --fetch-cert): Secrets and decrypted values are "
    "rendered as SealedSecrets (argocd, manifests).",
)
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
    push: bool,
    remote: str | None,
    chart_repo: str | None,
    allow_secrets: bool,
    seal_cert: Path | None,
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
    Values under secret-looking keys, and Secret objects, are refused (they would be committed
    in clear text) unless --allow-secrets.

    --push commits a tree that stands alone (the rendering at --path-in-repo, default the root,
    and every local chart at its path relative to stack.yaml) and pushes it with git. The
    GitRepository then points at --repo-url, or at the sandbox's git server when pushing there.
    With --chart-repo the local charts are referenced from a Helm chart repository by name
    and <version>+<content digest> instead (and left out of the pushed tree); `--chart-repo
    sandbox` packages them into the Flux sandbox's chart repository first.

    \b
    Examples:
      unideploy gitops render -e production --flavor argocd --out deployments/gitops
      unideploy gitops render -e staging --flavor manifests --out rendered --commit
      unideploy gitops render -e development --flavor flux --out gitops --push
      unideploy gitops render -e staging --flavor flux --out gitops --push \\
          --remote git@git.example.org:ops/deploy.git --repo-url ssh://git@git.example.org/ops/deploy.git
      unideploy gitops render -e development --flavor flux --out gitops --push --chart-repo sandbox
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
        push=push,
        remote=remote,
        chart_repo=chart_repo,
        allow_secrets=allow_secrets,
        seal_cert=seal_cert,
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
    if result.charts is not None:
        print_published(result.charts)
    elif chart_repo is not None and flavor != "manifests":
        out_console.print(
            f"local charts are taken from {escape(chart_repo)}: publish them there with "
            f"`unideploy gitops charts --out DIR --url {escape(chart_repo)}`"
        )
    if result.pushed is not None:
        where = " (the sandbox's repository)" if result.pushed.sandbox else ""
        out_console.print(
            f"pushed {result.pushed.commit[:12]} to {escape(result.pushed.remote)}{where}, "
            f"branch {result.pushed.branch}"
        )
        for source in result.pushed.woken_charts:
            out_console.print(f"asked Flux to fetch it now: HelmRepository {escape(source)}")
        for source in result.pushed.woken:
            out_console.print(f"asked Flux to fetch it now: GitRepository {escape(source)}")
        if result.pushed.wake_error:
            out_console.print(
                "could not ask Flux to fetch it now "
                f"({escape(result.pushed.wake_error)}); it will at its next interval"
            )
    return ExitCode.OK

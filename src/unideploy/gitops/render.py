"""The `gitops render` use case: desired state → Argo CD / Flux / plain manifests → files (→ git).

Works offline (charts render without a cluster). The output directory is replaced as a whole, so a
re-render drops objects that are no longer desired; `commit` adds it to a branch with real git.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from unideploy.config.encrypted import age_recipients, values_files
from unideploy.config.ignore import load_rules
from unideploy.config.stack import Stack
from unideploy.engines.helm.contract import HelmEngine
from unideploy.engines.process import run
from unideploy.errors import ConfigError
from unideploy.execute.result import new_run_id
from unideploy.gitops.argocd import render_argocd
from unideploy.gitops.chartrepo import (
    LocalChart,
    Published,
    chart_versions,
    publish_charts,
    resolve_chart_repo,
)
from unideploy.gitops.files import Files, write_tree
from unideploy.gitops.flux import render_flux
from unideploy.gitops.gitcommit import CommitResult, commit_directory, repo_root
from unideploy.gitops.layout import GitTarget
from unideploy.gitops.manifests import render_manifests
from unideploy.gitops.push import PushResult, publish, push_target
from unideploy.gitops.refusal import refuse_secrets
from unideploy.gitops.secrets import has_secrets, protect_argocd, protect_flux, seal_secrets
from unideploy.gitops.wake import wake_sources
from unideploy.records.history import stack_revision
from unideploy.service.desired import DesiredState, desired_state

FLAVORS = ("argocd", "flux", "manifests")


@dataclass(frozen=True)
class RenderRequest:
    """What `unideploy gitops render` was asked for."""

    environment: str
    flavor: str
    out: Path
    repo_url: str | None = None
    revision: str = "main"
    path_in_repo: str | None = None
    cluster: str | None = None
    outputs_file: Path | None = None
    ignore_file: Path | None = None
    commit: bool = False
    branch: str | None = None
    values_files: tuple[Path, ...] = ()
    sets: tuple[str, ...] = ()
    allow_secrets: bool = False
    seal_cert: Path | None = None
    #: Push the committed, self-contained tree (rendering + local charts) to `remote`, or to the
    #: running Flux sandbox's repository when no remote is named (gitops.push).
    push: bool = False
    remote: str | None = None
    #: Local charts from this Helm chart repository (by name and content version) instead of
    #: from Git; `sandbox`: the Flux sandbox's, published to on --push (gitops.chartrepo).
    chart_repo: str | None = None


@dataclass(frozen=True)
class RenderResult:
    """What was written (and committed)."""

    flavor: str
    environment: str
    out: Path
    files: int
    run_id: str
    commit: CommitResult | None = None
    pushed: PushResult | None = None
    charts: Published | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        commit = self.commit
        return {
            "flavor": self.flavor,
            "environment": self.environment,
            "out": str(self.out),
            "files": self.files,
            "run_id": self.run_id,
            "commit": None
            if commit is None
            else {"branch": commit.branch, "commit": commit.commit, "created": commit.created},
            "push": None
            if self.pushed is None
            else {
                "remote": self.pushed.remote,
                "branch": self.pushed.branch,
                "commit": self.pushed.commit,
                "sandbox": self.pushed.sandbox,
                "woken": list(self.pushed.woken),
                "woken_chart_repositories": list(self.pushed.woken_charts),
                "wake_error": self.pushed.wake_error or None,
            },
            "charts": None if self.charts is None else self.charts.to_dict(),
        }


def render(stack: Stack, request: RenderRequest, helm: HelmEngine | None = None) -> RenderResult:
    """Render `request.flavor` for the environment into `request.out` (`helm`: tests' fake)."""
    if request.flavor not in FLAVORS:
        raise ConfigError(f"unknown flavor {request.flavor!r}", hint="one of " + ", ".join(FLAVORS))
    target = None
    if request.push:
        target = push_target(
            stack,
            request.environment,
            flavor=request.flavor,
            remote=request.remote,
            repo_url=request.repo_url,
            revision=request.revision,
        )
        # The pushed tree is self-contained: the rendering at --path-in-repo (default: the
        # root), local charts at their paths relative to stack.yaml.
        request = replace(
            request, repo_url=target.url, path_in_repo=request.path_in_repo or "", commit=True
        )
    chart_url, publish_to = resolve_chart_repo(request.chart_repo, request.flavor, target)
    request = replace(request, chart_repo=chart_url)
    state = desired_state(
        stack,
        request.environment,
        outputs_file=request.outputs_file,
        values_files=request.values_files,
        sets=request.sets,
        helm=helm,
    )
    # Local charts' content versions: hashed once, named by the renderings and published.
    charts = chart_versions(stack) if chart_url is not None else {}
    git = None if request.flavor == "manifests" else git_target(stack, request, charts)
    files = render_files(state, request, git)
    files = _protect(stack, state, request, files, git)
    if not request.allow_secrets:
        refuse_secrets(state, request.flavor, sealed=request.seal_cert is not None)
    header = (
        f"Generated by `unideploy gitops render --flavor {request.flavor}` from stack "
        f"{stack.file.name}, environment {request.environment}.\n"
        "Do not edit: change stack.yaml or the values and render again."
    )
    count = write_tree(request.out, request.flavor, files, header)
    run_id = new_run_id()
    commit, pushed, published = None, None, None
    if publish_to is not None:  # before the push: the charts are there when Flux looks
        published = publish_charts(tuple(charts.values()), publish_to, chart_url)
    if request.commit:
        revision = stack_revision(stack.root)
        message = (
            f"unideploy: {request.flavor} rendering of {stack.file.name} "
            f"({request.environment})\n\n"
            f"Run-ID: {run_id}\nStack-Revision: {revision or 'unknown (not in git)'}\n"
        )
        branch = request.branch or f"rendered/{request.environment}"
        if target is None:
            commit = commit_directory(request.out, branch, message)
        else:
            inside = request.path_in_repo or ""
            commit, pushed = publish(
                stack,
                request.out,
                request.flavor,
                inside,
                branch,
                message,
                target,
                with_charts=chart_url is None,
            )
            if pushed.sandbox:
                charts_url = chart_url if published is not None else None
                pushed = _wake(stack, request.environment, pushed, target.url, charts_url)
    return RenderResult(
        request.flavor, request.environment, request.out, count, run_id, commit, pushed, published
    )


def _wake(
    stack: Stack, environment: str, pushed: PushResult, url: str, charts_url: str | None
) -> PushResult:
    """Ask the sandbox's Flux to fetch the pushed commit now instead of at its next poll."""
    from unideploy.engines.kube.client import api_client

    context = stack.environment(environment).cluster.context
    api = api_client(stack.kubeconfig(environment), context)
    woken = wake_sources(api, url, datetime.now(UTC), charts_url)
    return replace(pushed, woken=woken.sources, woken_charts=woken.charts, wake_error=woken.error)


def _protect(
    stack: Stack, state: DesiredState, request: RenderRequest, files: Files, git: GitTarget | None
) -> Files:
    """Decrypted values leave only encrypted (Flux, SOPS) or sealed (Argo CD, manifests)."""
    if request.flavor == "flux":
        if not has_secrets(state):
            return files
        paths = values_files(stack, request.environment, request.values_files)
        return protect_flux(files, age_recipients(paths), datetime.now(UTC))
    if request.flavor == "argocd":
        assert git is not None, "an argocd rendering needs git_target"
        return protect_argocd(files, state, git, request.seal_cert)
    if has_secrets(state) or request.seal_cert is not None:
        return seal_secrets(files, request.seal_cert)
    return files


def render_files(state: DesiredState, request: RenderRequest, target: GitTarget | None) -> Files:
    """The files of one flavour, by path relative to the output directory.

    `target` (git_target) is where Argo CD and Flux pull from; manifests need none.
    """
    if request.flavor == "manifests":
        return render_manifests(state)
    assert target is not None, "argocd and flux renderings need git_target"
    rules = load_rules(state.stack.root, request.ignore_file)
    if request.flavor == "argocd":
        return render_argocd(state, target, rules)
    return render_flux(state, target, request.cluster or state.stack.file.name, rules)


def git_target(stack: Stack, request: RenderRequest, charts: Mapping[str, LocalChart]) -> GitTarget:
    """The repository the controllers pull from, and where stack and rendering sit inside it.

    With `request.chart_repo`, `charts` (chart_versions) name the local charts' versions there.
    """
    root = repo_root(stack.root) or stack.root
    url = request.repo_url or _origin(root)
    if not url:
        raise ConfigError(
            "the Git repository URL the controllers pull from is not known",
            hint="pass --repo-url (the stack's repository has no `origin` remote)",
        )
    chart_root = "" if request.push else os.path.relpath(stack.root.resolve(), root.resolve())
    if request.path_in_repo is not None:
        out_path = request.path_in_repo.strip("/")
    else:
        out_path = os.path.relpath(request.out.resolve(), root.resolve())
        if out_path.startswith(".."):
            raise ConfigError(
                f"--out {request.out} is outside the stack's repository {root}",
                hint="render inside the repository, or say where it lands with --path-in-repo",
            )
    if request.chart_repo is None:
        return GitTarget(url, request.revision, chart_root.replace(os.sep, "/"), out_path)
    versions = {path: (c.name, c.version) for path, c in charts.items()}
    return GitTarget(
        url,
        request.revision,
        chart_root.replace(os.sep, "/"),
        out_path,
        request.chart_repo,
        versions,
    )


def _origin(root: Path) -> str | None:
    done = run(["git", "-C", str(root), "remote", "get-url", "origin"], timeout=30)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None

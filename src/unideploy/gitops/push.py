"""`gitops render --push`: where the rendering goes, and the self-contained tree pushed there.

`render` asks `push_target` first (the URL written into the GitRepository depends on it): the
remote the user names, else the repository of a running `sandbox up --gitops flux` whose
kubeconfig is the environment's. After writing, `publish` stages the rendering (at
`--path-in-repo`, default the root) together with every local chart (at its path relative to
stack.yaml, where the HelmReleases reference it; none with `--chart-repo`, gitops.chartrepo),
commits that tree to the local branch with real git (gitcommit) and pushes the commit to the
remote's `--revision` branch. Git runs through engines/process (argv only); a remote's
credentials never appear in a message.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from unideploy.config.stack import Stack
from unideploy.engines.process import run
from unideploy.errors import ConfigError, EngineError
from unideploy.gitops.gitcommit import CommitResult, commit_directory, repo_root
from unideploy.gitops.layout import chart_tree_path
from unideploy.sandbox import Sandbox
from unideploy.sandbox.state import load

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
PUSH_TIMEOUT_S = 300


@dataclass(frozen=True)
class PushTarget:
    """Where git pushes (`remote`, a URL or a path) and what the controllers pull (`url`)."""

    remote: str
    url: str
    branch: str
    sandbox: bool = False
    #: The sandbox's chart repository: its directory on disk and its URL for the controllers.
    charts_dir: str | None = None
    charts_url: str | None = None

    @property
    def shown(self) -> str:
        """The remote as messages show it (no credentials)."""
        return redact_url(self.remote)


@dataclass(frozen=True)
class PushResult:
    """The pushed commit and where it went."""

    remote: str
    branch: str
    commit: str
    sandbox: bool
    #: The sandbox's GitRepositories asked to fetch the commit now (gitops.wake), and why not.
    woken: tuple[str, ...] = ()
    wake_error: str = ""
    woken_charts: tuple[str, ...] = ()  # the sandbox's HelmRepositories, with --chart-repo


def redact_url(text: str) -> str:
    """`text` with any `user:password@` of a URL replaced by `***@`."""
    return _USERINFO.sub("***@", text)


def sandbox_gitops(kubeconfig: Path | None) -> dict[str, str] | None:
    """The GitOps record of the running sandbox whose admin kubeconfig is `kubeconfig`, if any."""
    if kubeconfig is None:
        return None
    state_dir = kubeconfig.expanduser().resolve().parent
    record = load(state_dir / "state.json")
    if record is None or record.gitops.get("flavor") != "flux":
        return None
    if Path(record.kubeconfig).resolve() != kubeconfig.expanduser().resolve():
        return None
    status = Sandbox(state_dir).status()
    return dict(status.gitops) if status.running and status.gitops else None


def push_target(
    stack: Stack,
    environment: str,
    *,
    flavor: str,
    remote: str | None,
    repo_url: str | None,
    revision: str,
) -> PushTarget:
    """Resolve where `--push` goes; raise ConfigError when it cannot be known."""
    sandbox = sandbox_gitops(stack.kubeconfig(environment))
    if sandbox is not None and (remote is None or _same_path(remote, sandbox["repository"])):
        if flavor != "flux":
            raise ConfigError(
                f"the sandbox runs Flux; a {flavor} rendering is not pushed to it",
                hint="name the repository with --remote, or render --flavor flux",
            )
        if repo_url is not None and repo_url != sandbox["url"]:
            raise ConfigError(
                f"--repo-url {redact_url(repo_url)} is not the sandbox repository's URL "
                f"({sandbox['url']}), which its controllers pull from",
                hint="drop --repo-url, or push elsewhere with --remote",
            )
        return PushTarget(
            sandbox["repository"],
            sandbox["url"],
            revision,
            sandbox=True,
            charts_dir=sandbox.get("charts"),
            charts_url=sandbox.get("charts_url"),
        )
    if remote is None:
        raise ConfigError(
            "--push has no remote: none was named and no sandbox with Flux runs for "
            f"environment {environment}'s kubeconfig",
            hint="pass --remote URL_OR_PATH (and --repo-url, the URL the controllers pull from), "
            "or start one with `unideploy sandbox up --gitops flux`",
        )
    url = repo_url or (remote if _is_url(remote) else None)
    if url is None:
        raise ConfigError(
            f"--remote {remote} is a path: the controllers cannot pull from it",
            hint="pass --repo-url with the URL the controllers reach that repository at",
        )
    return PushTarget(remote, url, revision)


def _is_url(remote: str) -> bool:
    return "://" in remote or bool(re.match(r"^[\w.-]+@[\w.-]+:", remote))


def _same_path(remote: str, repository: str) -> bool:
    return not _is_url(remote) and Path(remote).expanduser().resolve() == Path(repository)


def local_charts(stack: Stack) -> dict[str, Path]:
    """Every local chart by its path in the pushed tree (relative to stack.yaml, normalised)."""
    charts: dict[str, Path] = {}
    for release in stack.file.releases:
        path = release.chart.path
        if path is None:
            continue
        inside = PurePosixPath(chart_tree_path(path))
        if inside.is_absolute() or ".." in inside.parts:
            raise ConfigError(
                f"release {release.name}: chart path {path} is outside the stack directory",
                hint="--push copies local charts to their path relative to stack.yaml; "
                "move the chart under the stack's directory",
            )
        charts[str(inside)] = (stack.root / path).resolve()
    return charts


def publish(
    stack: Stack,
    out: Path,
    flavor: str,
    path_in_repo: str,
    branch: str,
    message: str,
    target: PushTarget,
    *,
    with_charts: bool = True,
) -> tuple[CommitResult, PushResult]:
    """Commit the self-contained tree to `branch` of out's repository and push it.

    Without `with_charts` (they come from a chart repository) the tree is the rendering alone.
    """
    repo = repo_root(out)
    if repo is None:
        raise EngineError(
            f"{out} is not inside a git repository",
            hint="render into a git work tree (`git init` one) to use --commit/--push",
        )
    with tempfile.TemporaryDirectory(prefix="unideploy-push-") as scratch:
        tree = Path(scratch)
        shutil.copytree(out / flavor, tree / path_in_repo / flavor)
        for inside, source in sorted(local_charts(stack).items() if with_charts else ()):
            destination = tree / inside
            if not destination.exists():
                shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".git"))
        commit = commit_directory(tree, branch, message, repo=repo)
    return commit, push(repo, commit, target)


def push(repo: Path, commit: CommitResult, target: PushTarget) -> PushResult:
    """`git push REMOTE COMMIT:refs/heads/BRANCH`; raise naming the remote and git's message."""
    refspec = f"{commit.commit}:refs/heads/{target.branch}"
    done = run(
        ["git", "-C", str(repo), "push", "--porcelain", target.remote, refspec],
        timeout=PUSH_TIMEOUT_S,
    )
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines()]
        told = [line for line in lines if line.startswith(("fatal:", "error:", "!", "remote:"))]
        said = redact_url("; ".join(told[:4] or [x for x in lines if x][-3:]))
        said = said or f"exit {done.returncode}"
        raise EngineError(
            f"git push to {target.shown} ({target.branch}) failed: {said}",
            hint=f"the rendering is committed locally on branch {commit.branch} "
            f"({commit.commit[:12]}) but was not pushed; fix the remote and push again",
        )
    return PushResult(target.shown, target.branch, commit.commit, target.sandbox)

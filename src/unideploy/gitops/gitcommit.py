"""Commit a rendering to a branch with real git, leaving the checkout, index and HEAD untouched.

Uses a private index file: `add` the directory, `write-tree`, `commit-tree` on the branch's tip,
`update-ref`. A rendering identical to the branch's tip makes no commit. Git runs through
engines/process (argv only).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from unideploy.engines.process import run
from unideploy.errors import EngineError


@dataclass(frozen=True)
class CommitResult:
    """The branch, its new tip, and whether a commit was made."""

    branch: str
    commit: str
    created: bool


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = run(["git", "-C", str(repo), *args], env=env, timeout=120)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise EngineError(
            f"git {args[0]} failed: {detail[-1] if detail else f'exit {done.returncode}'}",
            hint="check that the output directory is inside a git repository and that "
            "git's user.name/user.email are set",
        )
    return done.stdout.strip()


def repo_root(path: Path) -> Path | None:
    """The top of the git work tree holding `path`, or None outside git."""
    probe = path if path.is_dir() else path.parent
    while not probe.exists():
        probe = probe.parent
    done = run(["git", "-C", str(probe), "rev-parse", "--show-toplevel"], timeout=30)
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def commit_directory(
    directory: Path, branch: str, message: str, repo: Path | None = None
) -> CommitResult:
    """Commit the contents of `directory` (as the tree's root) onto `branch` of its repository.

    `repo`: the repository to commit into when `directory` is outside it (a staged tree).
    """
    root = repo_root(repo or directory)
    if root is None:
        raise EngineError(
            f"{repo or directory} is not inside a git repository",
            hint="render into a git work tree (`git init` one) to use --commit",
        )
    ref = f"refs/heads/{branch}"
    _git(root, "check-ref-format", ref)
    parent = run(["git", "-C", str(root), "rev-parse", "--verify", "-q", ref], timeout=30)
    tip = parent.stdout.strip() if parent.returncode == 0 else None
    git_dir = _git(root, "rev-parse", "--absolute-git-dir")
    with tempfile.TemporaryDirectory(prefix="unideploy-index-") as scratch:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        work = ["--git-dir", git_dir, "--work-tree", str(directory.resolve())]
        _git(directory, *work, "add", "--all", "--force", ".", env=env)
        tree = _git(directory, *work, "write-tree", env=env)
    if tip is not None and _git(root, "rev-parse", f"{tip}^{{tree}}") == tree:
        return CommitResult(branch, tip, created=False)
    args = ["commit-tree", tree, "-m", message]
    if tip is not None:
        args += ["-p", tip]
    commit = _git(root, *args)
    update = ["update-ref", "-m", "unideploy gitops render", ref, commit]
    _git(root, *update, *([tip] if tip else ["0" * 40]))
    return CommitResult(branch, commit, created=True)

"""gitops render --commit: real git, its own branch, the checkout left alone, no empty commits."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from tests.unit.test_gitops_render import OUTPUTS, REPO
from tests.unit.test_gitops_sources import FakeHelm, _stack

from unideploy.cli import main as cli_main
from unideploy.config.load import load_stack
from unideploy.errors import EngineError
from unideploy.gitops.files import read_tree
from unideploy.gitops.render import RenderRequest, render


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is required (CI installs it)")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Render Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "render@example.test")
    root = _stack(tmp_path)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "stack")
    return root


def test_commit_goes_to_its_branch_with_run_id_and_revision(repo: Path) -> None:
    stack = load_stack(repo / "stack.yaml")
    head = git(repo, "rev-parse", "HEAD")
    request = RenderRequest("staging", "manifests", repo / "rendered", commit=True)
    result = render(stack, request, helm=FakeHelm())
    assert result.commit is not None and result.commit.created
    assert result.commit.branch == "rendered/staging"
    assert git(repo, "rev-parse", "rendered/staging") == result.commit.commit
    message = git(repo, "log", "-1", "--format=%B", "rendered/staging")
    assert f"Run-ID: {result.run_id}" in message
    assert f"Stack-Revision: {head[:12]}+dirty" in message  # rendered/ is not committed on main
    files = git(repo, "ls-tree", "-r", "--name-only", "rendered/staging").splitlines()
    assert "manifests/apps/web/configmap-web.yaml" in files
    assert "manifests/ingress/ingress/configmap-ingress.yaml" in files
    shown = git(repo, "show", "rendered/staging:manifests/certs/certs/configmap-certs.yaml")
    assert yaml.safe_load(shown)["metadata"] == {"name": "certs", "namespace": "certs"}
    # The user's checkout is untouched: same HEAD, same branch, nothing staged.
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "branch", "--show-current") == "main"
    assert git(repo, "diff", "--cached", "--name-only") == ""


def test_same_rendering_makes_no_commit_and_a_change_makes_one(repo: Path) -> None:
    stack = load_stack(repo / "stack.yaml")
    request = RenderRequest("staging", "manifests", repo / "rendered", commit=True)
    first = render(stack, request, helm=FakeHelm())
    again = render(stack, request, helm=FakeHelm())
    assert first.commit is not None and again.commit is not None
    assert not again.commit.created and again.commit.commit == first.commit.commit
    (repo / "values.yaml").write_text("global: {domain: changed.example.test}\n")
    third = render(load_stack(repo / "stack.yaml"), request, helm=FakeHelm())
    assert third.commit is not None and third.commit.created
    assert git(repo, "rev-parse", f"{third.commit.commit}^") == first.commit.commit
    shown = git(repo, "show", f"{third.commit.commit}:manifests/apps/web/configmap-web.yaml")
    assert yaml.safe_load(shown)["data"] == {"domain": "changed.example.test"}


def test_commit_outside_git_names_the_fix(tmp_path: Path) -> None:
    stack = load_stack(_stack(tmp_path) / "stack.yaml")
    request = RenderRequest("staging", "manifests", tmp_path / "out", commit=True)
    with pytest.raises(EngineError) as caught:
        render(stack, request, helm=FakeHelm())
    assert "not inside a git repository" in caught.value.message
    assert caught.value.hint is not None and "git init" in caught.value.hint


def test_cli_render_twice_is_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.yaml"
    outputs.write_text(yaml.safe_dump(OUTPUTS))
    # One file per release, plus the cluster's sources.yaml and tiers.yaml.
    expected_files = len(load_stack(REPO / "stack.yaml").file.releases) + 2
    trees = []
    for name in ("one", "two"):
        argv = [
            "--stack", str(REPO), "gitops", "render", "-e", "production", "--flavor", "flux",
            "--out", str(tmp_path / name), "--repo-url", "https://git.example.test/h.git",
            "--path-in-repo", "deployments/gitops", "--terraform-outputs", str(outputs),
            "-o", "json",
        ]  # fmt: skip
        assert cli_main.main(argv) == 0
        document = json.loads(capsys.readouterr().out)
        assert document["flavor"] == "flux" and document["files"] == expected_files
        trees.append(read_tree(tmp_path / name))
    assert trees[0] == trees[1]


def test_cli_unknown_environment_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--stack", str(REPO), "gitops", "render", "-e", "prod", "--flavor", "argocd",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert cli_main.main(argv) == 2
    assert "prod" in capsys.readouterr().err

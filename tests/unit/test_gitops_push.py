"""gitops render --push (real git, a local bare remote) and gitops bootstrap's objects.

The pushed tree stands alone: the rendering at the root and each local chart at the path its
HelmRelease names. A push that fails names the remote and git's own message and exits non-zero;
with no remote and no Flux sandbox, nothing is rendered or committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.fixtures.crds.schemas import crd_errors
from tests.unit.test_gitops_commit import git, repo  # noqa: F401 (the fixture)
from tests.unit.test_gitops_sources import FakeHelm

from unideploy.cli import main as cli_main
from unideploy.config.load import load_stack
from unideploy.errors import ConfigError, EngineError
from unideploy.gitops.bootstrap import BootstrapRequest, age_key_secret, bootstrap_objects
from unideploy.gitops.render import RenderRequest, render

URL = "https://git.example.test/edge-deploy.git"
LOCAL_ONLY = """\
  - name: web
    namespace: apps
    chart: {path: charts/web}
    tier: apps
"""


def _first(text: str) -> dict[str, object]:
    first: dict[str, object] = next(d for d in yaml.safe_load_all(text) if d)
    return first


def _bare(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    return remote


def test_push_sends_a_self_contained_tree_to_the_remote_branch(
    repo: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    remote = _bare(tmp_path)
    stack = load_stack(repo / "stack.yaml")
    request = RenderRequest(
        "staging", "flux", repo / "gitops", repo_url=URL, push=True, remote=str(remote)
    )
    result = render(stack, request, helm=FakeHelm())
    assert result.commit is not None and result.pushed is not None
    assert git(remote, "rev-parse", "main") == result.commit.commit == result.pushed.commit
    files = set(git(remote, "ls-tree", "-r", "--name-only", "main").splitlines())
    assert "charts/web/Chart.yaml" in files
    assert "flux/clusters/edge/sources.yaml" in files and "flux/tiers/apps/apps-web.yaml" in files
    release = yaml.safe_load(git(remote, "show", "main:flux/tiers/apps/apps-web.yaml"))
    chart = release["spec"]["chart"]["spec"]["chart"]
    assert chart == "./charts/web" and chart.removeprefix("./") + "/Chart.yaml" in files
    tiers = list(yaml.safe_load_all(git(remote, "show", "main:flux/clusters/edge/tiers.yaml")))
    assert [t["spec"]["path"] for t in tiers] == ["./flux/tiers/base", "./flux/tiers/apps"]
    for tier in tiers:
        assert any(name.startswith(tier["spec"]["path"][2:] + "/") for name in files)
    sources = _first(git(remote, "show", "main:flux/clusters/edge/sources.yaml"))
    assert sources["spec"]["url"] == URL and sources["spec"]["ref"] == {"branch": "main"}
    # The same rendering again: nothing new committed, the push is a no-op and succeeds.
    again = render(stack, request, helm=FakeHelm())
    assert again.commit is not None and not again.commit.created
    assert git(remote, "rev-parse", "main") == result.commit.commit


def test_push_failure_names_the_remote_and_git_message(
    repo: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "no-such-remote.git"
    argv = ["--stack", str(repo / "stack.yaml"), "gitops", "render", "-e", "staging",
            "--flavor", "flux", "--out", str(repo / "gitops"), "--repo-url", URL, "--push",
            "--remote", str(missing)]  # fmt: skip
    stack = load_stack(repo / "stack.yaml")
    request = RenderRequest(
        "staging", "flux", repo / "gitops", repo_url=URL, push=True, remote=str(missing)
    )
    with pytest.raises(EngineError) as caught:
        render(stack, request, helm=FakeHelm())
    assert f"git push to {missing} (main) failed" in caught.value.message
    assert "does not appear to be a git repository" in caught.value.message
    assert caught.value.hint is not None and "not pushed" in caught.value.hint
    # The CLI renders with the Helm SDK: keep only the local chart's releases (no download).
    text = (repo / "stack.yaml").read_text()
    (repo / "stack.yaml").write_text(text[: text.index("  - name: ingress")] + LOCAL_ONLY)
    assert cli_main.main(argv) == 1
    captured = capsys.readouterr()
    assert "pushed" not in captured.out and str(missing) in captured.err


def test_push_without_remote_or_sandbox_is_a_config_error(
    repo: Path,  # noqa: F811
) -> None:
    stack = load_stack(repo / "stack.yaml")
    request = RenderRequest("staging", "flux", repo / "gitops", repo_url=URL, push=True)
    with pytest.raises(ConfigError) as caught:
        render(stack, request, helm=FakeHelm())
    assert "no remote" in caught.value.message
    assert caught.value.hint is not None and "sandbox up --gitops flux" in caught.value.hint
    assert not (repo / "gitops").exists()
    assert "rendered/staging" not in git(repo, "branch", "--list")


def test_push_to_a_path_needs_the_url_the_controllers_pull_from(
    repo: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    stack = load_stack(repo / "stack.yaml")
    request = RenderRequest(
        "staging", "flux", repo / "gitops", push=True, remote=str(_bare(tmp_path))
    )
    with pytest.raises(ConfigError) as caught:
        render(stack, request, helm=FakeHelm())
    assert "is a path" in caught.value.message
    assert caught.value.hint is not None and "--repo-url" in caught.value.hint


def test_push_hides_credentials_of_the_remote(
    repo: Path,  # noqa: F811
) -> None:
    remote = "https://deploy:s3cr3t-token@127.0.0.1:9/ops/deploy.git"
    stack = load_stack(repo / "stack.yaml")
    request = RenderRequest("staging", "flux", repo / "gitops", push=True, remote=remote)
    with pytest.raises(EngineError) as caught:
        render(stack, request, helm=FakeHelm())
    assert "s3cr3t-token" not in caught.value.message
    assert "https://***@127.0.0.1:9/ops/deploy.git" in caught.value.message


def test_bootstrap_objects_point_flux_at_the_cluster_directory(
    repo: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = load_stack(repo / "stack.yaml")
    objects = bootstrap_objects(stack, BootstrapRequest("staging", repo_url=URL))
    source, root = objects
    assert [o["kind"] for o in objects] == ["GitRepository", "Kustomization"]
    for obj in objects:
        assert crd_errors(obj) == []
        assert obj["metadata"]["namespace"] == "flux-system"
    assert root["spec"]["path"] == "./flux/clusters/edge"
    assert root["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "edge"}
    # The same GitRepository the pushed sources.yaml holds, so the root adopts it unchanged.
    remote = _bare(tmp_path)
    request = RenderRequest(
        "staging", "flux", repo / "gitops", repo_url=URL, push=True, remote=str(remote)
    )
    render(stack, request, helm=FakeHelm())
    assert _first(git(remote, "show", "main:flux/clusters/edge/sources.yaml")) == source
    nested = bootstrap_objects(
        stack, BootstrapRequest("staging", repo_url=URL, cluster="lab", path_in_repo="/ops/")
    )
    assert nested[1]["spec"]["path"] == "./ops/flux/clusters/lab"

    out = tmp_path / "bootstrap.yaml"
    argv = ["--stack", str(repo / "stack.yaml"), "gitops", "bootstrap", "-e", "staging",
            "--repo-url", URL, "--out", str(out)]  # fmt: skip
    assert cli_main.main(argv) == 0
    assert list(yaml.safe_load_all(out.read_text())) == objects
    assert "2 object(s) written" in capsys.readouterr().out
    assert cli_main.main([*argv[:-2], "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["objects"] == objects


def test_bootstrap_without_url_or_sandbox_and_a_bad_age_key_are_config_errors(
    repo: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    stack = load_stack(repo / "stack.yaml")
    with pytest.raises(ConfigError) as caught:
        bootstrap_objects(stack, BootstrapRequest("staging"))
    assert caught.value.hint is not None and "--repo-url" in caught.value.hint
    not_a_key = tmp_path / "key.txt"
    not_a_key.write_text("hello\n")
    with pytest.raises(ConfigError):
        age_key_secret(not_a_key)

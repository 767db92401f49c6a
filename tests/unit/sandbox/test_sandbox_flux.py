"""Unit tests: `sandbox up --gitops flux` command lines, state and CLI, with no control plane."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from unideploy.cli.sandbox import sandbox_group
from unideploy.errors import EngineError
from unideploy.exitcodes import ExitCode
from unideploy.sandbox import Sandbox, ToolNotFoundError, flux, probe, state, tools
from unideploy.sandbox.components import Layout

LAYOUT = Layout(Path("/state"))


def addresses(argv: list[str]) -> list[str]:
    """Every host:port or URL value of the argv's flags."""
    found: list[str] = []
    for arg in argv:
        _, _, value = arg.partition("=")
        if re.search(r":\d+", value):
            found.append(value)
    return found


@pytest.mark.parametrize("name", flux.CONTROLLERS)
def test_every_controller_listens_on_loopback_only_and_dials_no_event_recorder(name: str) -> None:
    argv = flux.controller_argv(name, Path(f"/bin/{name}"), LAYOUT)
    assert argv[0] == f"/bin/{name}"
    listeners = addresses(argv)
    assert listeners, argv
    assert all(value.startswith("127.0.0.1:") for value in listeners), listeners
    assert "--events-addr=" in argv
    assert "--enable-leader-election=false" in argv
    assert "--watch-all-namespaces=true" in argv


def test_controller_ports_never_collide_with_each_other_or_the_servers() -> None:
    used = [flux.GIT_PORT, flux.CHART_PORT]
    for ports in flux.PORTS.values():
        used += [ports.metrics, ports.health] + ([ports.storage] if ports.storage else [])
    assert len(used) == len(set(used))


def test_source_controller_stores_artifacts_under_the_state_dir_and_advertises_loopback() -> None:
    argv = flux.controller_argv("source-controller", Path("/bin/sc"), LAYOUT)
    assert "--storage-path=/state/gitops/artifacts" in argv
    assert "--storage-adv-addr=127.0.0.1:9790" in argv


def test_controllers_use_the_in_namespace_kubeconfig_and_flux_system(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://192.168.1.1:3128")
    monkeypatch.setenv("no_proxy", "example.org")
    env = flux.controller_env(LAYOUT)
    assert "HTTPS_PROXY" not in env and "no_proxy" not in env
    assert env["KUBECONFIG"] == "/state/kubeconfigs/admin.kubeconfig"
    assert env["RUNTIME_NAMESPACE"] == "flux-system"


def test_git_server_serves_the_repository_under_the_state_dir_on_loopback() -> None:
    argv = flux.git_server_argv(LAYOUT)
    assert "--repository=/state/gitops/sandbox.git" in argv
    assert flux.git_url() == f"http://127.0.0.1:{flux.GIT_PORT}/sandbox.git"
    assert flux.describe(LAYOUT)["repository"] == "/state/gitops/sandbox.git"


def test_chart_repository_serves_the_charts_dir_under_the_state_dir_on_loopback() -> None:
    argv = flux.chart_server_argv(LAYOUT)
    assert argv[1:3] == ["-m", "unideploy.sandbox.chartserver"]
    assert "--root=/state/gitops/charts" in argv
    assert (
        f"--port={flux.CHART_PORT}" in argv
        and "--ready=/state/gitops/ready/chart-repository" in argv
    )
    described = flux.describe(LAYOUT)
    assert described["charts"] == "/state/gitops/charts"
    assert described["charts_url"] == f"http://127.0.0.1:{flux.CHART_PORT}"
    assert "chart-repository" in flux.COMPONENTS


def test_probe_checks_every_controllers_readyz() -> None:
    argv = flux.probe_argv(LAYOUT, 12.34)
    assert "--timeout=12.3" in argv
    for name in flux.CONTROLLERS:
        assert f"{name}=http://127.0.0.1:{flux.PORTS[name].health}/readyz" in argv


def test_probe_refuses_a_url_that_is_not_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        probe.answers("http://10.0.0.1:80/readyz")


def test_crds_are_read_from_beside_each_binary(tmp_path: Path) -> None:
    tools = {}
    for name in flux.CONTROLLERS:
        (tmp_path / name / "crds").mkdir(parents=True)
        tools[name] = tmp_path / name / name
    with pytest.raises(ToolNotFoundError, match="CRDs are missing"):
        flux.crd_files(tools)
    for name in flux.CONTROLLERS:
        crd = {"kind": "CustomResourceDefinition", "metadata": {"name": f"{name}.example"}}
        (tmp_path / name / "crds" / "a.yaml").write_text("---\n" + json.dumps(crd) + "\n")
    names = [c["metadata"]["name"] for c in flux.load_crds(flux.crd_files(tools))]
    assert names == [f"{name}.example" for name in flux.CONTROLLERS]


def test_the_bare_repository_starts_on_main_and_is_kept(tmp_path: Path) -> None:
    repo = tmp_path / "gitops" / "sandbox.git"
    flux.ensure_repository(repo)
    assert (repo / "HEAD").read_text().strip() == "ref: refs/heads/main"
    (repo / "marker").write_text("kept")
    flux.ensure_repository(repo)
    assert (repo / "marker").exists()


def test_an_unknown_gitops_flavor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="gitops"):
        Sandbox(tmp_path, gitops="argocd")


def test_up_with_flux_names_the_missing_controllers_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("UNIDEPLOY_TOOLS_DIR", str(tmp_path / "empty-cache"))
    with pytest.raises(ToolNotFoundError) as caught:
        flux.binaries()
    for name in flux.CONTROLLERS:
        assert name in caught.value.message
    assert "install-tools.sh" in (caught.value.hint or "")
    result = CliRunner().invoke(
        sandbox_group, ["up", "--gitops", "flux", "--state-dir", str(tmp_path / "s")]
    )
    assert isinstance(result.exception, ToolNotFoundError)
    assert not (tmp_path / "s" / "state.json").exists()


def test_status_reports_the_gitops_repository_and_expects_the_flux_components(
    tmp_path: Path,
) -> None:
    root = tmp_path.resolve()
    described = flux.describe(Layout(root))
    record = state.SandboxState(state_dir=str(root), gitops=described)
    state.save(root / "state.json", record)
    assert state.load(root / "state.json") == record
    shown = CliRunner().invoke(sandbox_group, ["status", "--state-dir", str(root), "-o", "json"])
    assert shown.exit_code == ExitCode.FAILED  # nothing runs
    assert json.loads(shown.stdout)["gitops"] == described
    text = CliRunner().invoke(sandbox_group, ["status", "--state-dir", str(root)]).stdout
    assert f"push to {described['repository']}" in text
    assert f"chart repository: {described['charts_url']} serves {described['charts']}" in text
    assert "--gitops" in CliRunner().invoke(sandbox_group, ["up", "--help"]).stdout


def test_status_without_gitops_says_none(tmp_path: Path) -> None:
    record = state.SandboxState(state_dir=str(tmp_path.resolve()))
    state.save(tmp_path / "state.json", record)
    shown = CliRunner().invoke(
        sandbox_group, ["status", "--state-dir", str(tmp_path), "-o", "json"]
    )
    assert json.loads(shown.stdout)["gitops"] is None


def test_install_script_builds_and_reports_every_controller_at_its_pinned_version() -> None:
    repo = Path(__file__).resolve().parents[3]
    script = (repo / "scripts" / "setup" / "install-tools.sh").read_text()
    pins = tools.pinned_versions()
    for name in flux.CONTROLLERS:
        key = tools.TOOL_VERSION_KEYS[name]
        assert key in pins, key
        assert f'build_flux_controller {name} "${key}"' in script
        assert f'"{name}@${key}"' in script  # in the final MISSING table

"""Unit tests: pinned versions and finding cached tool binaries."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from unideploy.engines import process
from unideploy.errors import EngineError
from unideploy.sandbox import tools

REPO = Path(__file__).resolve().parents[3]


def test_parse_versions_skips_comments_and_blank_lines() -> None:
    text = "# pins\n\nKUBERNETES_VERSION=v1.36.3\n ETCD_VERSION = v3.6.14 \n"
    assert tools.parse_versions(text) == {
        "KUBERNETES_VERSION": "v1.36.3",
        "ETCD_VERSION": "v3.6.14",
    }


@pytest.mark.parametrize("line", ["KUBERNETES_VERSION", "=v1", "KEY="])
def test_parse_versions_rejects_lines_that_are_not_key_value(line: str) -> None:
    with pytest.raises(EngineError, match="line 2"):
        tools.parse_versions(f"# ok\n{line}\n")


def test_the_repository_pins_one_kubernetes_version_for_everything() -> None:
    pins = tools.pinned_versions()
    assert set(pins) >= {"KUBERNETES_VERSION", "ETCD_VERSION", "KWOK_VERSION"}
    k8s = pins["KUBERNETES_VERSION"]
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"):
        assert tools.tool_path(name, root=Path("/c")) == Path(f"/c/{name}-{k8s}/{name}")


def test_go_wrapper_templates_take_versions_only_from_versions_env() -> None:
    # The single source of truth: no template may hard-code a version.
    for template in (REPO / "tools").glob("*/go.mod.in"):
        requires = [ln for ln in template.read_text().splitlines() if ln.startswith("require ")]
        assert requires, template
        assert all("@" in ln and ln.endswith("_VERSION@") for ln in requires), template


def test_install_script_uses_the_same_cache_directory(tmp_path: Path) -> None:
    script = REPO / "scripts" / "setup" / "install-tools.sh"
    env = {**os.environ, "UNIDEPLOY_TOOLS_DIR": str(tmp_path / "cache")}
    done = process.run(["bash", str(script), "--print-dir"], env=env, check=True)
    assert done.stdout.strip() == str(tmp_path / "cache")


def test_tools_dir_honours_the_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UNIDEPLOY_TOOLS_DIR", str(tmp_path))
    assert tools.tools_dir() == tmp_path
    monkeypatch.delenv("UNIDEPLOY_TOOLS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert tools.tools_dir() == tmp_path / "xdg" / "unideploy" / "tools"


def test_find_tool_names_the_install_command_when_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("UNIDEPLOY_TOOLS_DIR", str(tmp_path))
    with pytest.raises(tools.ToolNotFoundError) as caught:
        tools.find_tool("etcd")
    assert "install-tools.sh" in (caught.value.hint or "")
    assert str(tmp_path) in caught.value.message
    assert tools.missing_tools(("etcd", "kwok")) == ["etcd", "kwok"]


def test_find_tool_needs_a_completed_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("UNIDEPLOY_TOOLS_DIR", str(tmp_path))
    path = tools.tool_path("kwok")
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(tools.ToolNotFoundError):
        tools.find_tool("kwok")  # a half-finished install has no .complete stamp
    (path.parent / ".complete").touch()
    assert tools.find_tool("kwok") == path


def test_unknown_tool_is_an_error() -> None:
    with pytest.raises(EngineError, match="unknown tool 'no-such-tool'"):
        tools.tool_path("no-such-tool")


def test_install_script_refuses_a_go_older_than_kubernetes_needs(tmp_path: Path) -> None:
    fake_go = tmp_path / "go"
    fake_go.write_text("#!/bin/sh\necho go1.22.1\n")
    fake_go.chmod(0o755)
    script = REPO / "scripts" / "setup" / "install-tools.sh"
    env = {**os.environ, "UNIDEPLOY_TOOLS_DIR": str(tmp_path / "cache"), "GO": str(fake_go)}
    done = process.run(["bash", str(script)], env=env, timeout=60)
    assert done.returncode == 1
    assert "go1.22.1 is too old" in done.stderr
    assert not list((tmp_path / "cache").glob("*/.complete"))

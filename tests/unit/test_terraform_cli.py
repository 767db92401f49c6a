"""`unideploy terraform unlock` as a user meets it: finding the lock, releasing it, refusing."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import sys
from collections.abc import Callable
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest

from unideploy.cli.main import main
from unideploy.cli.terraform_cmd import workspaces

LOCK_ID = "0ea78ff5-5ec4-c31d-3f86-2af81e1549dd"


def stale_lock(root: Path, module: str, lock_id: str = LOCK_ID) -> Path:
    state = root / ".unideploy" / "terraform" / "development" / module
    state.mkdir(parents=True)
    (state / "terraform.tfstate").write_text("{}")
    info = state / ".terraform.tfstate.lock.info"
    info.write_text(
        json.dumps(
            {
                "ID": lock_id,
                "Who": "carol@desk",
                "Operation": "OperationTypeApply",
                "Created": "2026-11-26T09:00:00Z",
                "Path": str(state / "terraform.tfstate"),
            }
        )
    )
    return info


def test_unlock_finds_the_module_by_lock_id_and_removes_a_stale_lock(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_stack()
    info = stale_lock(root, "networking")
    code = main(
        ["--stack", str(root), "terraform", "unlock", "-e", "development", LOCK_ID, "-o", "json"]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["module"] == "networking"
    assert report["lock"]["id"] == LOCK_ID
    assert report["lock"]["who"] == "carol@desk"
    assert report["lock"]["held"] is False
    assert not info.exists()


def test_unlock_of_an_unknown_id_fails_and_lists_the_current_locks(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_stack()
    info = stale_lock(root, "networking")
    code = main(["--stack", str(root), "terraform", "unlock", "-e", "development", "nope"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no terraform state in environment development is locked with ID nope" in err
    assert f"hint: current locks: networking: {LOCK_ID}" in err
    assert info.exists()


def test_unlock_of_an_unknown_module_names_the_known_ones(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_stack()
    code = main(
        [
            "--stack",
            str(root),
            "terraform",
            "unlock",
            "-e",
            "development",
            LOCK_ID,
            "--module",
            "netwrk",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert 'no terraform module "netwrk"' in err
    assert "modules: networking" in err


def test_unlock_text_output_says_what_was_released(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_stack()
    stale_lock(root, "networking")
    code = main(
        [
            "--stack",
            str(root),
            "terraform",
            "unlock",
            "-e",
            "development",
            LOCK_ID,
            "--module",
            "networking",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f'unlocked module "networking" (development): lock {LOCK_ID} held by carol@desk' in out
    assert "stale lock removed" in out


def test_workspaces_include_modules_that_only_have_state_left(tmp_path: Path) -> None:
    (tmp_path / ".unideploy/terraform/staging/old-module").mkdir(parents=True)
    found = workspaces(tmp_path, "staging", {"networking": tmp_path / "tf" / "net"})
    assert [(w.name, w.module_dir) for w in found] == [
        ("networking", tmp_path / "tf" / "net"),
        ("old-module", tmp_path / "terraform/modules/old-module"),
    ]
    assert found[0].state_dir == tmp_path / ".unideploy/terraform/staging/networking"


def test_help_teaches_the_lock_id_and_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["terraform", "unlock", "--help"]) == 0
    out = capsys.readouterr().out
    assert "LOCK_ID" in out and "--module" in out and "unideploy terraform unlock -e" in out


def hold(path: str, ready: EventType, stop: EventType) -> None:
    with open(path, "r+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        ready.set()
        stop.wait(30)


@pytest.mark.skipif(sys.platform != "linux", reason="lock holder pids need Linux")
def test_a_live_holder_is_never_stopped_without_force_in_json_mode(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_stack()
    info = stale_lock(root, "networking")
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    child = context.Process(target=hold, args=(str(info.parent / "terraform.tfstate"), ready, stop))
    child.start()
    try:
        assert ready.wait(30)
        argv = ["--stack", str(root), "terraform", "unlock", "-e", "development", LOCK_ID]
        code = main([*argv, "-o", "json"])
        err = capsys.readouterr().err
        assert code == 1
        assert f"(pid {child.pid})" in err and "is still running" in err
        assert "hint: add --force" in err
        assert child.is_alive() and info.exists()
    finally:
        stop.set()
        child.join(10)

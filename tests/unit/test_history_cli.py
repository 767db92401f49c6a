"""`unideploy history`, `audit verify|show` and `lock status|release` against a state directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from unideploy.cli.history_cmd import audit_group, history_command
from unideploy.cli.lock_cmd import lock_group
from unideploy.errors import LockError, UnideployError
from unideploy.execute.lock import FileLock
from unideploy.execute.result import StackRevision
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Phase, Step
from unideploy.records.audit import AuditLog
from unideploy.records.history import History


@pytest.fixture
def state(tmp_path: Path) -> Path:
    history = History(tmp_path / "history.db")
    log = AuditLog(tmp_path / "audit.jsonl")
    for env in ("development", "production"):
        result = Runner(RunOptions(handle_signals=False)).run(
            [Phase("terraform", (Step("terraform/net", lambda c: None),))],
            environment=env,
            user="alice@laptop",
            revision=StackRevision("b" * 40, dirty=True),
        )
        history.record(result)
        log.append("run_finished", {"run_id": result.run_id, "environment": env, "status": "ok"})
    return tmp_path


def test_history_json_filters_by_environment(state: Path) -> None:
    out = CliRunner().invoke(
        history_command, ["-e", "production", "--state-dir", str(state), "-o", "json"]
    )
    assert out.exit_code == 0, out.output
    runs = json.loads(out.output)
    assert [r["environment"] for r in runs] == ["production"]
    assert runs[0]["revision"] == {"commit": "b" * 40, "dirty": True}


def test_history_text_and_one_run_in_detail(state: Path) -> None:
    listing = CliRunner().invoke(history_command, ["--state-dir", str(state)])
    assert listing.exit_code == 0
    assert "production" in listing.output and "development" in listing.output
    run_id = History(state / "history.db").list_runs("development")[0].run_id
    detail = CliRunner().invoke(history_command, [run_id[:23], "--state-dir", str(state)])
    assert detail.exit_code == 0, detail.output
    assert f"run {run_id}" in detail.output
    assert "terraform/net" in detail.output


def test_audit_verify_passes_then_fails_after_one_byte(state: Path) -> None:
    ok = CliRunner().invoke(audit_group, ["verify", "--state-dir", str(state)])
    assert ok.exit_code == 0
    assert "audit log intact: 2 lines" in ok.output
    path = state / "audit.jsonl"
    data = bytearray(path.read_bytes())
    data[len(data) - 20] ^= 0x02
    path.write_bytes(bytes(data))
    bad = CliRunner().invoke(audit_group, ["verify", "--state-dir", str(state)])
    assert isinstance(bad.exception, UnideployError)
    assert "audit.jsonl:2: audit log broken: line 2" in bad.exception.message
    as_json = CliRunner().invoke(audit_group, ["verify", "--state-dir", str(state), "-o", "json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["bad_line"] == 2


def test_audit_verify_expect_head(state: Path) -> None:
    head = AuditLog(state / "audit.jsonl").verify().head
    args = ["verify", "--state-dir", str(state), "--expect-head"]
    assert CliRunner().invoke(audit_group, [*args, head]).exit_code == 0
    wrong = CliRunner().invoke(audit_group, [*args, "0" * 64])
    assert isinstance(wrong.exception, UnideployError)


def test_audit_show_json(state: Path) -> None:
    out = CliRunner().invoke(
        audit_group, ["show", "-e", "development", "--state-dir", str(state), "-o", "json"]
    )
    assert out.exit_code == 0
    assert [e["data"]["environment"] for e in json.loads(out.output)] == ["development"]


def test_lock_status_and_release_of_a_local_lock(tmp_path: Path) -> None:
    args = ["-e", "staging", "--state-dir", str(tmp_path), "-o", "json"]
    free = CliRunner().invoke(lock_group, ["status", *args])
    assert free.exit_code == 0, free.output
    assert json.loads(free.output)["local"] is None
    with FileLock(tmp_path, "staging", identity="bob@ci (run r9)"):
        held = CliRunner().invoke(lock_group, ["status", *args])
        assert json.loads(held.output)["local"]["holder"] == "bob@ci (run r9)"
        refused = CliRunner().invoke(lock_group, ["release", *args])
        assert isinstance(refused.exception, LockError)
    released = CliRunner().invoke(lock_group, ["release", *args])
    assert released.exit_code == 0
    assert json.loads(released.output) == {"environment": "staging", "released": None}

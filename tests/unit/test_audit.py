"""The audit log's hash chain: any changed, removed or reordered line is found and named."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Phase, Step
from unideploy.records.audit import GENESIS, AuditLog, audit_listener

pytestmark = pytest.mark.clock


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog.for_stack(tmp_path)
    for n in range(1, 6):
        entry = {"run_id": f"r{n}", "environment": "prod", "status": "changed"}
        audit.append("run_finished", entry)
    return audit


def _lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def test_intact_log_verifies(log: AuditLog) -> None:
    result = log.verify()
    assert result.ok
    assert result.lines == 5
    assert result.head != GENESIS
    assert [e["seq"] for e in log.entries()] == [1, 2, 3, 4, 5]
    assert log.entries()[0]["prev"] == GENESIS


@pytest.mark.parametrize("line", [1, 3, 5])
def test_one_flipped_byte_is_named(log: AuditLog, line: int) -> None:
    data = bytearray(log.path.read_bytes())
    start = sum(len(x) for x in _lines(log)[: line - 1])
    offset = start + bytes(data[start:]).index(b'"r') + 2  # a byte of the "run_id" field
    data[offset] ^= 0x01
    log.path.write_bytes(bytes(data))
    result = log.verify()
    assert not result.ok
    assert result.bad_line == line
    assert result.problem == "content does not match its hash: the line was changed"


def test_flipped_byte_that_breaks_json_is_named(log: AuditLog) -> None:
    data = bytearray(log.path.read_bytes())
    start = sum(len(x) for x in _lines(log)[:1])
    data[start] ^= 0x20  # "{" becomes "["
    log.path.write_bytes(bytes(data))
    assert log.verify().bad_line == 2


def test_removed_line_is_named(log: AuditLog) -> None:
    lines = _lines(log)
    del lines[2]
    log.path.write_bytes(b"".join(lines))
    result = log.verify()
    assert result.bad_line == 3
    assert result.problem is not None and "removed, inserted or reordered" in result.problem


def test_reordered_lines_are_named(log: AuditLog) -> None:
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_bytes(b"".join(lines))
    assert log.verify().bad_line == 2


def test_whitespace_change_is_named_on_its_own_line(log: AuditLog) -> None:
    lines = _lines(log)
    lines[3] = lines[3].replace(b'{"at"', b'{ "at"', 1)
    log.path.write_bytes(b"".join(lines))
    assert log.verify().bad_line == 4


def test_concurrent_appends_stay_chained(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")

    def write(n: int) -> None:
        for i in range(20):
            audit.append("lock_acquired", {"writer": n, "i": i})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = audit.verify()
    assert result.ok and result.lines == 80


def test_runner_events_are_audited(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    Runner(RunOptions(handle_signals=False), [audit_listener(audit)]).run(
        [Phase("helm", (Step("helm/a", lambda c: None),))], environment="dev", user="bob@ci"
    )
    kinds = [(e["event"], e["data"].get("user")) for e in audit.entries()]
    assert kinds == [("run_started", None), ("run_finished", "bob@ci")]
    assert audit.entries()[1]["data"]["status"] == "succeeded"
    assert audit.verify().ok


def test_missing_log_is_empty_and_valid(tmp_path: Path) -> None:
    result = AuditLog(tmp_path / "none.jsonl").verify()
    assert result.ok and result.lines == 0

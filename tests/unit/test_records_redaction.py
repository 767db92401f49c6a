"""The run's writers (history DB, audit log, run mirror record) redact every registered secret.

A step's reason and details may quote a value the chart rendered from a decrypted file (a field
conflict quotes the Secret's base64 data); whatever the step says, the records hold `***`.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest

from unideploy.execute.result import RunResult, Status
from unideploy.execute.runner import Runner, RunOptions
from unideploy.execute.step import Outcome, Phase, Step
from unideploy.records.audit import AuditLog, audit_listener
from unideploy.records.history import History
from unideploy.records.mirror import _record
from unideploy.redact.registry import forget_all
from unideploy.redact.values import SecretFloat, SecretInt, SecretStr, redacted, secret

CANARY = "canary-Rk27-records"
ENCODED = base64.b64encode(CANARY.encode()).decode()


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    forget_all()
    yield
    forget_all()


def _leaks(data: bytes) -> bool:
    return CANARY.encode() in data or ENCODED.encode() in data


def _failed_run(log: AuditLog) -> RunResult:
    value = secret(CANARY)
    reason = f'Secret app-db data.password: live "bGl2ZQ==", chart "{ENCODED}"'
    details = {"conflicts": [{"desired": ENCODED, "value": value, "port": secret(8443)}]}
    phases = [
        Phase(
            "helm",
            (Step("helm/app", lambda c: Outcome(Status.FAILED, reason, details)),),
        )
    ]
    runner = Runner(RunOptions(handle_signals=False), listeners=[audit_listener(log)])
    return runner.run(phases, environment="development", user="alice@laptop")


@pytest.mark.clock
def test_history_audit_and_mirror_never_hold_a_registered_secret(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    result = _failed_run(log)
    assert result.status is Status.FAILED
    # The in-memory result still says what the step said: only the writers redact.
    assert ENCODED in (result.steps[0].reason or "")
    history = History(tmp_path / "history.db")
    history.record(result)
    mirrored = _record(result)

    for path in (tmp_path / "history.db", tmp_path / "audit.jsonl"):
        assert path.stat().st_size > 0
        assert not _leaks(path.read_bytes()), path
    assert not _leaks(mirrored.encode())
    assert log.verify().ok
    with sqlite3.connect(tmp_path / "history.db") as db:
        reason, details = db.execute("SELECT reason, details FROM steps").fetchone()
    assert reason == 'Secret app-db data.password: live "bGl2ZQ==", chart "***"'
    assert json.loads(details)["conflicts"] == [{"desired": "***", "value": "***", "port": "***"}]
    again = history.get(result.run_id)
    assert again.steps[0].reason == reason
    assert "***" in json.loads(mirrored)["phases"][0]["steps"][0]["reason"]


def test_redacted_keeps_the_structure_whatever_the_secret() -> None:
    secret("true")
    secret("1234")
    tree = {"on": True, "port": 1234, "text": "is it true? 1234", "1234": ["true", None]}
    assert redacted(tree) == {
        "on": True,
        "port": 1234,
        "text": "is it ***? ***",
        "***": ["***", None],
    }
    assert redacted("nothing here") == "nothing here"


def test_redacted_sees_secret_leaves_and_any_mapping_or_sequence() -> None:
    secret("hunter22")
    tree = MappingProxyType(
        {
            "password": SecretStr("s3cr3t-value"),
            "pin": SecretInt(4321),
            "ratio": SecretFloat(0.5),
            "status": Status.CHANGED,
            "pair": ("hunter22", 2.5, False),
            "nested": OrderedDict(token="x-hunter22-y"),
        }
    )
    assert redacted(tree) == {
        "password": "***",
        "pin": "***",
        "ratio": "***",
        "status": "changed",
        "pair": ["***", 2.5, False],
        "nested": {"token": "x-***-y"},
    }

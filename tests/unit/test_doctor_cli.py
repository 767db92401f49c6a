"""doctor and drift commands: confirmation before safe fixes, exit codes, flag combinations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unideploy.cli import main as cli_main
from unideploy.config.stack import Stack
from unideploy.doctor.diagnose import Finding

pytestmark = pytest.mark.clock

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Findings from a fake examination; the list records which repairs ran."""
    done: list[str] = []

    def unlock() -> str:
        done.append("lock")
        return "released"

    def examine(stack: Stack, environment: str) -> list[Finding]:
        return [
            Finding("terraform", "networking", "stale lock 1 held by a", "`unlock`", unlock),
            Finding("helm", "apps/web", "revision 2 failed: boom", "`unideploy deploy -e dev`"),
        ]

    monkeypatch.setattr("unideploy.cli.doctor_cmd.examine", examine)
    return done


def run(*args: str) -> int:
    return cli_main.main(["--stack", str(REPO), *args])


def test_findings_are_explained_and_exit_1(
    calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("doctor", "-e", "development") == 1
    text = capsys.readouterr().out
    assert "✗ terraform networking: stale lock 1 held by a" in text
    assert "fix: `unlock` (safe: --fix)" in text
    assert "fix: `unideploy deploy -e dev`\n" in text
    assert calls == []


def test_fix_asks_first_and_does_nothing_on_no(
    calls: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("click.confirm", lambda *a, **k: False)
    assert run("doctor", "-e", "development", "--fix") == 1
    assert calls == []
    assert "1 safe fix(es):" in capsys.readouterr().out


def test_fix_on_yes_repairs_the_safe_ones_only(
    calls: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("click.confirm", lambda *a, **k: True)
    assert run("doctor", "-e", "development", "--fix") == 1  # the failed release remains
    assert calls == ["lock"]
    assert "networking: released" in capsys.readouterr().out


def test_json_fix_without_yes_never_prompts(
    calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("doctor", "-e", "development", "--fix", "-o", "json") == 1
    document = json.loads(capsys.readouterr().out)
    assert calls == [] and document["repairs"] == []
    assert [f["safe_fix"] for f in document["findings"]] == [True, False]


def test_drift_prune_needs_remediate(calls: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run("drift", "-e", "development", "--prune") == 2
    assert "--remediate" in capsys.readouterr().err

"""A run's progress lines and summary: plain text off a terminal, rich on one, same words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from unideploy.cli import progress
from unideploy.cli.progress import PlainOutput, ProgressPrinter, event_line
from unideploy.cli.rich_output import RichOutput
from unideploy.cli.run_output import run_output
from unideploy.execute.events import StepFinished, StepProgress
from unideploy.execute.result import PhaseResult, RunResult, Status, StepResult

AT = datetime(2026, 12, 8, 9, 30, 5, tzinfo=UTC)


def _result() -> RunResult:
    def step(name: str, status: Status) -> StepResult:
        return StepResult(id=f"helm/{name}", phase="helm:backend", status=status)

    return RunResult(
        run_id="01a2",
        environment="development",
        status=Status.CHANGED,
        phases=(
            PhaseResult(
                "preflight",
                Status.SUCCEEDED,
                started_at=AT,
                finished_at=AT + timedelta(seconds=0.04),
                steps=(
                    StepResult(id="preflight/cluster", phase="preflight", status=Status.SUCCEEDED),
                ),
            ),
            PhaseResult(
                "helm:backend",
                Status.CHANGED,
                started_at=AT,
                finished_at=AT + timedelta(seconds=12.3),
                steps=(step("web", Status.CHANGED), step("api", Status.UNCHANGED)),
            ),
            PhaseResult("tests", Status.SKIPPED, reason="--skip-tests"),
        ),
    )


def test_plain_lines_carry_the_time_and_every_word_brackets_included(
    capsys: pytest.CaptureFixture[str],
) -> None:
    printer = ProgressPrinter(PlainOutput())
    printer(StepProgress("helm/web", "waiting for [web] pods", at=AT))
    finished = StepResult(id="helm/web", phase="helm:backend", status=Status.FAILED, reason="x [y]")
    printer(StepFinished(finished, at=AT))
    assert capsys.readouterr().err.splitlines() == [
        "09:30:05     helm/web: waiting for [web] pods",
        "09:30:05   ✗ helm/web failed — x [y]",
    ]


def test_the_plain_summary_is_an_aligned_table_under_its_title(
    capsys: pytest.CaptureFixture[str],
) -> None:
    PlainOutput().summary(_result())
    assert capsys.readouterr().err.splitlines() == [
        "run 01a2 · development · changed",
        "phase         result                      steps    time  note",
        "preflight     succeeded             1 succeeded   0.0 s",
        "helm:backend  changed    1 changed, 1 unchanged  12.3 s",
        "tests         skipped                         -   0.0 s  --skip-tests",
    ]


def test_rich_output_prints_a_bracket_as_written_not_as_markup(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    output = RichOutput()
    output.line(AT, event_line(StepProgress("helm/web", "waiting for [web] pods")) or [])
    output.summary(_result())
    err = capsys.readouterr().err
    assert "helm/web: waiting for [web] pods" in err
    assert "1 changed, 1 unchanged" in err and "--skip-tests" in err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, PlainOutput),  # pytest's captured stderr is no terminal
        ({"FORCE_COLOR": "1"}, RichOutput),
        ({"FORCE_COLOR": ""}, PlainOutput),
        ({"TTY_COMPATIBLE": "1"}, RichOutput),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, PlainOutput),
    ],
)
def test_rich_only_for_a_terminal_or_when_forced_as_rich_itself_decides(
    env: dict[str, str], expected: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert isinstance(run_output(), expected)


def test_events_without_a_line_print_nothing() -> None:
    assert progress.event_line(object()) is None  # type: ignore[arg-type]

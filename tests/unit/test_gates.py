"""Approval and promotion gates as a library: who approved, which run proved the revision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from unideploy.config.load import load_stack
from unideploy.config.stack import Stack
from unideploy.errors import ConfigError, GateError
from unideploy.execute.result import RunResult, StackRevision, Status
from unideploy.gates.approval import APPROVER_VARIABLE, check_gates, summarize_plan
from unideploy.plan.build import build_plan
from unideploy.records.audit import AuditLog
from unideploy.records.history import History

pytestmark = pytest.mark.clock

REV = StackRevision("1" * 40, dirty=False)
OTHER = StackRevision("2" * 40, dirty=False)
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def stack(make_stack: Callable[..., Path]) -> Stack:
    return load_stack(make_stack() / "stack.yaml")


def record_run(
    stack: Stack,
    run_id: str,
    revision: StackRevision | None,
    *,
    environment: str = "development",
    status: Status = Status.SUCCEEDED,
    dry_run: bool = False,
) -> None:
    History.for_stack(stack.root).record(
        RunResult(
            run_id=run_id,
            environment=environment,
            status=status,
            started_at=AT,
            finished_at=AT + timedelta(minutes=2),
            revision=revision,
            flags={"dry_run": dry_run},
        )
    )


def events(stack: Stack) -> list[str]:
    return [entry["event"] for entry in AuditLog.for_stack(stack.root).entries()]


def test_an_environment_without_gates_passes_untouched(stack: Stack) -> None:
    record = check_gates(stack, "development", REV, environ={})

    assert record.approval_required is False
    assert record.approved_by is None
    assert record.promote_from is None
    assert events(stack) == []


def test_production_without_a_green_run_of_the_revision_is_refused(stack: Stack) -> None:
    with pytest.raises(GateError) as caught:
        check_gates(stack, "production", REV, approve=True, environ={"USER": "alice"})

    assert f"revision {REV} has no successful run" in caught.value.message
    assert "development has no successful run yet" in caught.value.message
    assert "unideploy deploy -e development" in (caught.value.hint or "")
    assert events(stack) == ["gate_refused"]


def test_the_refusal_names_what_the_source_environment_last_deployed(stack: Stack) -> None:
    record_run(stack, "0001", OTHER)

    with pytest.raises(GateError) as caught:
        check_gates(stack, "production", REV, approve=True, environ={})

    assert f"deployed {OTHER}" in caught.value.message and "0001" in caught.value.message


@pytest.mark.parametrize(
    ("revision", "status", "dry_run"),
    [
        (REV, Status.FAILED, False),
        (REV, Status.ROLLED_BACK, False),
        (REV, Status.SUCCEEDED, True),
        (StackRevision(REV.commit, dirty=True), Status.SUCCEEDED, False),
        (None, Status.SUCCEEDED, False),
    ],
    ids=["failed", "rolled-back", "dry-run", "dirty", "no-revision"],
)
def test_only_a_real_clean_success_counts_as_promotion(
    stack: Stack, revision: StackRevision | None, status: Status, dry_run: bool
) -> None:
    record_run(stack, "0001", revision, status=status, dry_run=dry_run)

    with pytest.raises(GateError, match="has no successful run"):
        check_gates(stack, "production", REV, approve=True, environ={})


def test_a_green_run_of_the_same_revision_lets_an_approved_deploy_through(stack: Stack) -> None:
    record_run(stack, "0001", REV, status=Status.FAILED)
    record_run(stack, "0002", REV, status=Status.WARNED)
    record_run(stack, "0003", OTHER)

    record = check_gates(
        stack, "production", REV, approve=True, environ={"USER": "alice"}, run_id="r9"
    )

    assert record.promoted_from_run == "0002"
    assert (record.approved_by, record.approval_source) == ("alice", "flag")
    entry = AuditLog.for_stack(stack.root).entries()[-1]
    assert entry["event"] == "deploy_approved"
    assert entry["data"]["approved_by"] == "alice" and entry["data"]["run_id"] == "r9"
    assert record.to_dict()["approved_by"] == "alice"


def test_without_approval_production_is_refused_with_the_way_out(stack: Stack) -> None:
    record_run(stack, "0001", REV)

    with pytest.raises(GateError) as caught:
        check_gates(stack, "production", REV, environ={})

    assert 'environment "production" requires approval' in caught.value.message
    assert "--approve" in (caught.value.hint or "")
    assert APPROVER_VARIABLE in (caught.value.hint or "")
    assert events(stack) == ["gate_refused"]


def test_approved_by_names_the_approver(stack: Stack) -> None:
    record_run(stack, "0001", REV)

    record = check_gates(stack, "production", REV, approved_by="bob", environ={"USER": "x"})

    assert (record.approved_by, record.approval_source) == ("bob", "flag")


def test_ci_approval_comes_from_the_documented_variable(stack: Stack) -> None:
    record_run(stack, "0001", REV)

    record = check_gates(stack, "production", REV, environ={APPROVER_VARIABLE: "carol"})

    assert (record.approved_by, record.approval_source) == ("carol", "ci")


def test_interactive_confirmation_shows_the_plan_summary(stack: Stack) -> None:
    record_run(stack, "0001", REV)
    asked: list[str] = []

    def yes(question: str) -> bool:
        asked.append(question)
        return True

    summary = summarize_plan(build_plan(stack, "production", frozenset()))
    record = check_gates(
        stack,
        "production",
        REV,
        interactive=True,
        plan_summary=summary,
        confirm=yes,
        environ={"USER": "dave"},
    )

    assert (record.approved_by, record.approval_source) == ("dave", "interactive")
    assert "tier applications: api, web" in asked[0]
    assert "mini → production" in asked[0] and str(REV) in asked[0]


def test_saying_no_refuses(stack: Stack) -> None:
    record_run(stack, "0001", REV)

    with pytest.raises(GateError, match="not approved"):
        check_gates(
            stack, "production", REV, interactive=True, confirm=lambda _q: False, environ={}
        )


def test_skipping_the_promotion_gate_needs_a_reason(stack: Stack) -> None:
    with pytest.raises(ConfigError, match="--reason"):
        check_gates(stack, "production", REV, approve=True, skip_promotion=True, reason="  ")


def test_a_skipped_promotion_gate_is_audited_with_its_reason(stack: Stack) -> None:
    record = check_gates(
        stack,
        "production",
        REV,
        approve=True,
        skip_promotion=True,
        reason="hotfix, development cluster down",
        environ={"USER": "erin"},
    )

    assert record.promotion_skipped and record.promoted_from_run is None
    entries = {e["event"]: e["data"] for e in AuditLog.for_stack(stack.root).entries()}
    assert entries["promotion_gate_skipped"]["reason"] == "hotfix, development cluster down"
    assert entries["promotion_gate_skipped"]["promote_from"] == "development"
    assert AuditLog.for_stack(stack.root).verify().ok


def test_uncommitted_changes_are_refused(stack: Stack) -> None:
    dirty = StackRevision(REV.commit, dirty=True)
    record_run(stack, "0001", REV)

    with pytest.raises(GateError, match="uncommitted changes"):
        check_gates(stack, "production", dirty, approve=True, environ={})


def test_a_dry_run_is_never_refused_but_says_what_would_be(stack: Stack) -> None:
    record = check_gates(stack, "production", REV, dry_run=True, environ={})

    assert any("has no successful run" in note for note in record.notes)
    assert any("needs an approval" in note for note in record.notes)
    assert events(stack) == []

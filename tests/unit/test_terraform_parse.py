"""Reading Terraform's words: diagnostics become errors with places, plans become safe summaries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from unideploy.engines.terraform.model import (
    REDACTED,
    OutputValue,
    StateLock,
    StateLockedError,
    TerraformWorkspace,
)
from unideploy.engines.terraform.parse import (
    UNKNOWN,
    apply_counts,
    diagnostics,
    engine_error,
    needs_init,
    parse_lock_info,
    parse_lock_text,
    parse_outputs,
    parse_timestamp,
    redact,
    scrub,
    summarize_plan,
)
from unideploy.errors import EngineError

pytestmark = pytest.mark.clock

WS = TerraformWorkspace("networking", "staging", Path("/stack/tf/networking"), Path("/state/nw"))

LOCK_DETAIL = (
    "Error message: resource temporarily unavailable\n"
    "Lock Info:\n"
    "  ID:        0ea78ff5-5ec4-c31d-3f86-2af81e1549dd\n"
    "  Path:      /state/nw/terraform.tfstate\n"
    "  Operation: OperationTypeApply\n"
    "  Who:       alice@laptop\n"
    "  Version:   1.15.5\n"
    "  Created:   2026-11-26 11:56:09.256075875 +0000 UTC\n"
    "  Info:      \n\n\n"
    "Terraform acquires a state lock to protect the state from being written\n"
)


def diag_event(severity: str, summary: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "@level": severity,
        "@message": f"{severity}: {summary}",
        "type": "diagnostic",
        "diagnostic": {"severity": severity, "summary": summary, "detail": detail, **extra},
    }


def test_validation_failure_points_at_the_rule_and_names_the_variable() -> None:
    event = diag_event(
        "error",
        "Invalid value for variable",
        "The environment must be one of: development, staging, production.\n\n"
        "This was checked by the validation rule at variables.tf:5,3-13.",
        range={"filename": "/state/nw/variables.tfvars.json", "start": {"line": 2, "column": 18}},
        snippet={"values": [{"traversal": "var.environment", "statement": 'is "prod"'}]},
    )
    error = engine_error(WS, "plan", diagnostics([event]))
    assert isinstance(error, EngineError)
    assert str(error.location) == "/stack/tf/networking/variables.tf:5:3"
    assert 'var.environment is "prod"' in error.message
    assert 'module "networking" (staging)' in error.message
    assert "must be one of" in error.message
    assert error.hint is not None and "validation rule" in error.hint


def test_error_without_a_rule_uses_the_diagnostic_range_relative_to_the_module() -> None:
    event = diag_event(
        "error",
        "Reference to undeclared local value",
        'A local value with the name "missing" has not been declared.',
        range={"filename": "main.tf", "start": {"line": 8, "column": 11}},
    )
    error = engine_error(WS, "plan", diagnostics([event]))
    assert str(error.location) == "/stack/tf/networking/main.tf:8:11"
    assert error.message.endswith('A local value with the name "missing" has not been declared.')


def test_our_own_state_flag_warning_is_dropped_and_other_errors_are_counted() -> None:
    events = [
        diag_event("warning", "Deprecated flag: -state", "Use the path attribute"),
        diag_event("error", "First problem"),
        diag_event("error", "Second problem"),
        {"@message": "Terraform 1.15.5", "type": "version"},
    ]
    found = diagnostics(events)
    assert [d.summary for d in found] == ["First problem", "Second problem"]
    error = engine_error(WS, "apply", found)
    assert "First problem" in error.message
    assert error.hint is not None and "1 more error(s): Second problem" in error.hint


def test_no_diagnostics_falls_back_to_the_last_lines_of_output() -> None:
    error = engine_error(WS, "init", [], "one\ntwo\nworker crashed\n")
    assert error.message.endswith("one | two | worker crashed")


def test_held_lock_becomes_a_state_locked_error_with_id_holder_operation_and_age() -> None:
    error = engine_error(
        WS,
        "plan",
        diagnostics([diag_event("error", "Error acquiring the state lock", LOCK_DETAIL)]),
    )
    assert isinstance(error, StateLockedError)
    assert error.lock.id == "0ea78ff5-5ec4-c31d-3f86-2af81e1549dd"
    assert error.lock.who == "alice@laptop"
    assert error.lock.operation == "OperationTypeApply"
    assert error.lock.created == datetime(2026, 11, 26, 11, 56, 9, 256075, tzinfo=UTC)
    assert "0ea78ff5-5ec4-c31d-3f86-2af81e1549dd held by alice@laptop for apply" in error.message
    assert error.hint is not None
    assert (
        "unideploy terraform unlock -e staging 0ea78ff5-5ec4-c31d-3f86-2af81e1549dd" in error.hint
    )
    assert error.retryable is False


def test_lock_text_without_an_id_is_not_a_lock() -> None:
    assert parse_lock_text("Error message: something else entirely") is None


def test_lock_info_file_fields_and_describe_with_age() -> None:
    lock = parse_lock_info(
        {
            "ID": "abc",
            "Operation": "OperationTypePlan",
            "Who": "ci@runner",
            "Created": "2026-11-26T11:56:09.256075875Z",
            "Path": "/s/terraform.tfstate",
        },
        held=True,
        pid=4242,
    )
    now = datetime(2026, 11, 26, 11, 59, 30, tzinfo=UTC)
    assert lock.describe(now) == (
        "lock abc held by ci@runner (pid 4242) for plan since 2026-11-26 11:56:09 UTC (3 min ago)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T11:56:09.256075875Z", datetime(2026, 11, 26, 11, 56, 9, 256075, tzinfo=UTC)),
        ("2026-11-26 11:56:09 +0000 UTC", datetime(2026, 11, 26, 11, 56, 9, tzinfo=UTC)),
        ("2026-01-02T03:04:05.5Z", datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        ("not a time", None),
    ],
)
def test_timestamps_in_both_terraform_formats(text: str, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


def test_redact_follows_terraforms_sensitivity_mask() -> None:
    value = {"user": "admin", "password": "hunter2", "tags": ["a", "secret-b"], "n": 1}
    mask = {"password": True, "tags": [False, True]}
    assert redact(value, mask) == {
        "user": "admin",
        "password": REDACTED,
        "tags": ["a", REDACTED],
        "n": 1,
    }
    assert redact("whole", True) == REDACTED
    assert redact("plain", False) == "plain"


def plan_document(password: str = "hunter2", pool: str = "10.0.0.1-10.0.0.9") -> dict[str, Any]:
    def rc(
        address: str, actions: list[str], after: Any = None, after_sensitive: Any = False
    ) -> dict[str, Any]:
        return {
            "address": address,
            "change": {
                "actions": actions,
                "before": None,
                "after": after,
                "after_unknown": {},
                "before_sensitive": False,
                "after_sensitive": after_sensitive,
            },
        }

    return {
        "resource_changes": [
            rc("terraform_data.new", ["create"], {"input": {"pool": pool}}),
            rc("terraform_data.same", ["no-op"]),
            rc("terraform_data.edit", ["update"]),
            rc("terraform_data.gone", ["delete"]),
            rc("terraform_data.swap", ["delete", "create"]),
            rc(
                "terraform_data.creds",
                ["create"],
                {"input": {"password": password}},
                {"input": {"password": True}},
            ),
        ],
        "output_changes": {
            "pool": {"actions": ["create"], "after": pool, "after_sensitive": False},
            "password": {"actions": ["create"], "after": password, "after_sensitive": True},
            "id": {"actions": ["create"], "after_unknown": True, "after_sensitive": False},
        },
    }


def test_plan_summary_counts_like_terraform_and_lists_only_real_changes() -> None:
    summary = summarize_plan(
        WS, Path("/state/nw/plan.tfplan"), plan_document(), plan_sha256="f" * 64
    )
    assert (summary.add, summary.change, summary.destroy) == (3, 1, 2)
    assert [(r.address, r.action) for r in summary.resources] == [
        ("terraform_data.new", "create"),
        ("terraform_data.edit", "update"),
        ("terraform_data.gone", "delete"),
        ("terraform_data.swap", "replace"),
        ("terraform_data.creds", "create"),
    ]
    assert summary.has_changes
    assert summary.plan_sha256 == "f" * 64


def test_plan_summary_redacts_sensitive_outputs_and_marks_unknown_ones() -> None:
    summary = summarize_plan(WS, Path("p"), plan_document(), plan_sha256="0")
    outputs = {o.name: o for o in summary.outputs}
    assert outputs["password"].sensitive and outputs["password"].value == REDACTED
    assert outputs["pool"].value == "10.0.0.1-10.0.0.9"
    assert outputs["id"].value == UNKNOWN
    assert "hunter2" not in repr(summary)
    assert "hunter2" not in str(summary.to_dict())


def test_changes_hash_is_stable_ignores_secrets_and_follows_real_changes() -> None:
    one = summarize_plan(WS, Path("a"), plan_document(), plan_sha256="1").changes_sha256
    again = summarize_plan(WS, Path("b"), plan_document(), plan_sha256="2").changes_sha256
    other_secret = summarize_plan(WS, Path("a"), plan_document(password="x"), plan_sha256="1")
    other_pool = summarize_plan(
        WS, Path("a"), plan_document(pool="10.9.9.1-10.9.9.2"), plan_sha256="1"
    )
    assert one == again
    assert other_secret.changes_sha256 == one  # the hash never depends on a secret's value
    assert other_pool.changes_sha256 != one


def test_an_all_no_op_plan_has_no_changes() -> None:
    document = {
        "resource_changes": [{"address": "x.y", "change": {"actions": ["no-op"]}}],
        "output_changes": {"o": {"actions": ["no-op"], "after": 1}},
    }
    summary = summarize_plan(WS, Path("p"), document, plan_sha256="0")
    assert (summary.add, summary.change, summary.destroy) == (0, 0, 0)
    assert summary.resources == ()
    assert not summary.has_changes


def test_apply_counts_take_the_apply_summary_not_the_plan_one() -> None:
    events = [
        {
            "type": "change_summary",
            "changes": {"add": 5, "change": 0, "remove": 0, "operation": "plan"},
        },
        {
            "type": "change_summary",
            "changes": {"add": 2, "change": 1, "remove": 3, "operation": "apply"},
        },
    ]
    assert apply_counts(events) == (2, 1, 3)


def test_outputs_keep_values_for_callers_but_never_show_sensitive_ones() -> None:
    outputs = parse_outputs(
        {
            "pool": {"value": "10.0.0.1-10.0.0.9", "type": "string", "sensitive": False},
            "token": {"value": "s3cr3t", "type": "string", "sensitive": True},
        }
    )
    assert outputs["token"].value == "s3cr3t"  # callers need it; they redact with display()
    assert outputs["token"].display() == REDACTED
    assert "s3cr3t" not in repr(outputs)
    assert outputs["pool"].display() == "10.0.0.1-10.0.0.9"
    assert isinstance(outputs["pool"], OutputValue)


def test_needs_init_recognises_terraforms_request() -> None:
    found = diagnostics([diag_event("error", "Module not installed", 'Run "terraform init".')])
    assert needs_init(found)
    assert not needs_init(diagnostics([diag_event("error", "Bad thing", "nothing about it")]))


def test_state_lock_describe_without_creation_time() -> None:
    lock = StateLock("id1", "", "", None, "p", held=False)
    assert lock.describe() == "lock id1 held by an unknown holder for an operation"


def test_scrub_replaces_secret_values_wherever_they_appear() -> None:
    secrets = frozenset({"pw-456", "pw"})
    assert scrub("user admin, password pw-456.", secrets) == f"user admin, password {REDACTED}."
    assert scrub({"a": ["x-pw-456-y", 3]}, secrets) == {"a": [f"x-{REDACTED}-y", 3]}
    assert scrub("nothing here", frozenset()) == "nothing here"


def test_a_secret_passed_to_a_non_sensitive_variable_is_still_redacted_in_the_summary() -> None:
    document = {
        "resource_changes": [],
        "output_changes": {
            "url": {
                "actions": ["create"],
                "after": "https://u:hunter2@host",
                "after_sensitive": False,
            }
        },
    }
    summary = summarize_plan(
        WS, Path("p"), document, plan_sha256="0", secrets=frozenset({"hunter2"})
    )
    assert summary.outputs[0].value == f"https://u:{REDACTED}@host"
    assert "hunter2" not in repr(summary)

"""Read what Terraform says: `-json` diagnostics, lock info, saved plans, outputs.

Pure functions over parsed JSON: they turn Terraform's words into our values and errors
(EngineError with file:line, StateLockedError, PlanSummary with sensitive values redacted).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unideploy.engines.terraform.model import (
    REDACTED,
    OutputChange,
    OutputValue,
    PlanSummary,
    ResourceChange,
    StateLock,
    StateLockedError,
    TerraformWorkspace,
)
from unideploy.errors import EngineError, SourceLocation

UNKNOWN = "(known after apply)"
_SHAPES = ("is tuple", "is object", "is list", "is map", "is set")  # says nothing useful
_NOISE = ("Deprecated flag: -state",)  # we pass -state on purpose: state lives outside the module
_RULE_AT = re.compile(r"validation rule at (?P<file>[^:\s]+):(?P<line>\d+),(?P<col>\d+)")
_LOCK_FIELD = re.compile(r"^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*)$", re.M)
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?")


@dataclass(frozen=True)
class Diagnostic:
    """One Terraform diagnostic (error or warning) with its place in the module, if any."""

    severity: str
    summary: str
    detail: str
    filename: str = ""
    line: int = 0
    column: int = 0
    subject: str = ""  # e.g. `var.environment is "prod"`


def diagnostics(events: Iterable[Mapping[str, Any]]) -> list[Diagnostic]:
    """The diagnostics in a stream of `-json` events, minus the ones we cause on purpose."""
    found: list[Diagnostic] = []
    for event in events:
        diag = event.get("diagnostic")
        if event.get("type") != "diagnostic" or not isinstance(diag, Mapping):
            continue
        if diag.get("summary", "") in _NOISE:
            continue
        rng = diag.get("range") or {}
        start = rng.get("start") or {}
        values = (diag.get("snippet") or {}).get("values") or []
        subject = "; ".join(
            f"{v.get('traversal', '')} {v.get('statement', '')}"
            for v in values
            if not str(v.get("statement", "")).startswith(_SHAPES)
        )
        found.append(
            Diagnostic(
                severity=str(diag.get("severity", "")),
                summary=str(diag.get("summary", "")),
                detail=str(diag.get("detail", "")),
                filename=str(rng.get("filename", "")),
                line=int(start.get("line", 0) or 0),
                column=int(start.get("column", 0) or 0),
                subject=subject.strip(),
            )
        )
    return found


def _location(ws: TerraformWorkspace, diag: Diagnostic) -> SourceLocation | None:
    rule = _RULE_AT.search(diag.detail)
    if rule:  # a failed validation: point at the rule in the module, not at the value
        path = ws.module_dir / rule["file"]
        return SourceLocation(str(path), int(rule["line"]), int(rule["col"]))
    if not diag.filename or diag.filename.startswith("<"):
        return None
    path = Path(diag.filename)
    if not path.is_absolute():
        path = ws.module_dir / path
    return SourceLocation(str(path), diag.line, diag.column)


def engine_error(
    ws: TerraformWorkspace, command: str, diags: list[Diagnostic], fallback: str = ""
) -> EngineError:
    """The error for a failed command: the first error diagnostic, its place, and a hint."""
    errors = [d for d in diags if d.severity == "error"]
    what = f'terraform {command} of module "{ws.name}" ({ws.environment}) failed'
    if not errors:
        tail = " | ".join(fallback.strip().splitlines()[-5:]) or "no diagnostics"
        return EngineError(f"{what}: {tail}", hint="re-run with --debug for Terraform's log")
    first = errors[0]
    if first.summary == "Error acquiring the state lock":
        lock = parse_lock_text(first.detail)
        if lock is not None:
            return StateLockedError(ws, lock)
    detail = first.detail.split("\n\n")[0].strip()
    message = f"{what}: {first.summary}"
    if first.subject:
        message += f" ({first.subject})"
    if detail:
        message += f": {detail}"
    hint = None
    if "validation rule" in first.detail:
        hint = "pass a value that the validation rule accepts (see the module's variables)"
    elif "terraform init" in first.detail:
        hint = "the working directory needs init; unideploy re-runs it when sources change"
    if len(errors) > 1:
        more = "; ".join(e.summary for e in errors[1:4])
        hint = (hint + "; " if hint else "") + f"{len(errors) - 1} more error(s): {more}"
    return EngineError(message, hint=hint, location=_location(ws, first))


def needs_init(diags: list[Diagnostic]) -> bool:
    """True when Terraform refused because the working directory is not (fully) initialised."""
    return any(d.severity == "error" and "terraform init" in d.detail for d in diags)


def parse_timestamp(text: str) -> datetime | None:
    """Terraform's lock timestamps (RFC 3339 or Go's default format), always UTC."""
    match = _TIMESTAMP.search(text)
    if not match:
        return None
    micro = (match[3] or "0")[:6].ljust(6, "0")
    parsed = datetime.fromisoformat(f"{match[1]}T{match[2]}")
    return parsed.replace(microsecond=int(micro), tzinfo=UTC)


def parse_lock_text(detail: str) -> StateLock | None:
    """The lock described in an `Error acquiring the state lock` diagnostic."""
    fields = {key: value.strip() for key, value in _LOCK_FIELD.findall(detail)}
    if not fields.get("ID"):
        return None
    return StateLock(
        id=fields["ID"],
        who=fields.get("Who", ""),
        operation=fields.get("Operation", ""),
        created=parse_timestamp(fields.get("Created", "")),
        path=fields.get("Path", ""),
        held=True,
    )


def parse_lock_info(info: Mapping[str, Any], *, held: bool, pid: int | None) -> StateLock:
    """The lock recorded in a local backend's `.terraform.tfstate.lock.info` file."""
    return StateLock(
        id=str(info.get("ID", "")),
        who=str(info.get("Who", "")),
        operation=str(info.get("Operation", "")),
        created=parse_timestamp(str(info.get("Created", ""))),
        path=str(info.get("Path", "")),
        held=held,
        pid=pid,
    )


def redact(value: Any, mask: Any) -> Any:
    """Replace every part of `value` that Terraform's sensitivity `mask` marks with REDACTED."""
    if mask is True:
        return REDACTED
    if isinstance(mask, Mapping) and isinstance(value, Mapping):
        return {key: redact(item, mask.get(key, False)) for key, item in value.items()}
    if isinstance(mask, list) and isinstance(value, list):
        return [redact(item, mask[i] if i < len(mask) else False) for i, item in enumerate(value)]
    return value


def scrub(value: Any, secrets: frozenset[str]) -> Any:
    """Replace every occurrence of a secret string inside `value` with REDACTED."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in sorted(secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, Mapping):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    return value


def _action(actions: list[str]) -> str:
    if len(actions) == 2 and set(actions) == {"create", "delete"}:
        return "replace"
    return actions[0] if actions else "no-op"


def summarize_plan(
    ws: TerraformWorkspace,
    plan_file: Path,
    plan: Mapping[str, Any],
    *,
    plan_sha256: str,
    warnings: tuple[str, ...] = (),
    secrets: frozenset[str] = frozenset(),
    drift: bool = False,
) -> PlanSummary:
    """Summarise `terraform show -json PLAN`: counts, changed resources, outputs, hashes.

    Values Terraform marks sensitive are redacted, and so is any of `secrets` wherever it shows.
    With `drift` (a refresh-only plan) the resources are those that changed outside Terraform.
    """
    resources: list[ResourceChange] = []
    hashed: list[Any] = []
    counts = {"add": 0, "change": 0, "destroy": 0}
    for rc in plan.get("resource_drift" if drift else "resource_changes") or []:
        change = rc.get("change") or {}
        action = _action(list(change.get("actions") or []))
        if action == "no-op":
            continue
        address = str(rc.get("address", ""))
        resources.append(ResourceChange(address, action))
        counts["add"] += action in ("create", "replace")
        counts["change"] += action == "update"
        counts["destroy"] += action in ("delete", "replace")
        hashed.append(
            [
                address,
                action,
                scrub(redact(change.get("before"), change.get("before_sensitive")), secrets),
                scrub(redact(change.get("after"), change.get("after_sensitive")), secrets),
                change.get("after_unknown"),
            ]
        )
    outputs: list[OutputChange] = []
    for name, change in sorted((plan.get("output_changes") or {}).items()):
        action = _action(list(change.get("actions") or []))
        sensitive = change.get("after_sensitive") is True or change.get("before_sensitive") is True
        if change.get("after_unknown") is True:
            value: Any = UNKNOWN
        else:
            value = scrub(redact(change.get("after"), change.get("after_sensitive")), secrets)
        outputs.append(OutputChange(name, action, sensitive, value))
        hashed.append([f"output.{name}", action, value])
    canonical = json.dumps(hashed, sort_keys=True, separators=(",", ":"), default=str)
    return PlanSummary(
        workspace=ws,
        plan_file=plan_file,
        add=counts["add"],
        change=counts["change"],
        destroy=counts["destroy"],
        resources=tuple(resources),
        outputs=tuple(outputs),
        plan_sha256=plan_sha256,
        changes_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        warnings=tuple(scrub(w, secrets) for w in warnings),
    )


def apply_counts(events: Iterable[Mapping[str, Any]]) -> tuple[int, int, int]:
    """Added, changed, destroyed from the `apply` change summary of an apply's events."""
    result = (0, 0, 0)
    for event in events:
        changes = event.get("changes") or {}
        if event.get("type") == "change_summary" and changes.get("operation") == "apply":
            result = (changes.get("add", 0), changes.get("change", 0), changes.get("remove", 0))
    return result


def parse_outputs(document: Mapping[str, Any]) -> dict[str, OutputValue]:
    """The outputs of `terraform output -json`, each marked sensitive or not."""
    return {
        name: OutputValue(
            name=name,
            value=item.get("value"),
            sensitive=bool(item.get("sensitive", False)),
            type=item.get("type"),
        )
        for name, item in sorted(document.items())
    }


def warning_texts(diags: list[Diagnostic]) -> tuple[str, ...]:
    """One line per warning, for the plan summary."""
    return tuple(
        f"{d.summary}: {d.detail.splitlines()[0]}" if d.detail else d.summary
        for d in diags
        if d.severity == "warning"
    )

"""SARIF 2.1.0 rendering of a manifest scan, for code-scanning UIs.

Reads a `ScanResult` and the checks that ran; writes nothing itself. Exempted findings become
suppressed results carrying their reason; unreadable inputs become tool execution notifications.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unideploy import __version__
from unideploy.security.manifests.registry import Check, Finding, Severity
from unideploy.security.manifests.scan import ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}


def _uri(path: str, base: Path | None) -> str:
    if not path:
        return ""
    candidate = Path(path)
    if base is not None:
        try:
            return candidate.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return candidate.as_posix()


def _rule(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.rationale},
        "defaultConfiguration": {"level": LEVEL[check.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[check.severity],
            "tags": ["security", "kubernetes", *check.references],
        },
    }


def _result(found: Finding, index: int, base: Path | None) -> dict[str, Any]:
    where = f"{found.object}" + (f' container "{found.container}"' if found.container else "")
    identity = f"{found.check_id}|{found.object}|{found.container or ''}|{found.message}"
    result: dict[str, Any] = {
        "ruleId": found.check_id,
        "ruleIndex": index,
        "level": LEVEL[found.severity],
        "message": {"text": f"{where}: {found.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(found.path, base)},
                    "region": {"startLine": max(found.line, 1)},
                },
                "logicalLocations": [{"fullyQualifiedName": str(found.object), "kind": "object"}],
            }
        ],
        "partialFingerprints": {"unideploy/v1": hashlib.sha256(identity.encode()).hexdigest()[:32]},
        "properties": {
            "severity": found.severity.value,
            "verdict": found.verdict,
            "references": list(found.references),
        },
    }
    if found.exempted:
        result["suppressions"] = [
            {"kind": "inSource", "justification": found.exemption_reason or ""}
        ]
    return result


def to_sarif(
    result: ScanResult, checks: Sequence[Check], *, base: Path | None = None
) -> dict[str, Any]:
    """The SARIF log of one scan; paths are made relative to `base` when they lie under it."""
    ordered = sorted(checks, key=lambda c: c.id)
    index = {check.id: i for i, check in enumerate(ordered)}
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(error.path, base)},
                        "region": {"startLine": max(error.line, 1)},
                    }
                }
            ],
        }
        for error in result.errors
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "unideploy",
                        "version": __version__,
                        "rules": [_rule(check) for check in ordered],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": [
                    _result(found, index.get(found.check_id, -1), base) for found in result.findings
                ],
            }
        ],
    }

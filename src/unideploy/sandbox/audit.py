"""The sandbox kube-apiserver's audit log: its policy, its flags, and reading it back.

Off by default. `Sandbox(..., audit_log=True)` (`unideploy sandbox up --audit-log`) makes `core`
write the policy beside the state and add `flags` to kube-apiserver's argv: one JSON line per
request, at level Metadata (who, verb, resource, namespace, name, response code and the
authorizer's decision; never a request or response body, so no Secret value), once the response
is complete. The file is rotated at MAX_SIZE_MB, keeping MAX_BACKUPS old files. Tests read it with
`events` to compare what an identity did with what it was granted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SIZE_MB = 100
MAX_BACKUPS = 2
# Every request at Metadata, recorded once (when the response is complete). Nothing else is left
# out: reads, watches, non-resource URLs and every user, system components included.
POLICY: dict[str, Any] = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "omitStages": ["RequestReceived", "ResponseStarted", "Panic"],
    "rules": [{"level": "Metadata"}],
}


def policy_text() -> str:
    """The audit policy file's content (JSON is YAML, which the apiserver reads)."""
    return json.dumps(POLICY, indent=2) + "\n"


def flags(log: Path, policy: Path) -> list[str]:
    """kube-apiserver flags writing JSON lines to `log` under the policy at `policy`."""
    return [
        f"--audit-policy-file={policy}",
        f"--audit-log-path={log}",
        "--audit-log-format=json",
        f"--audit-log-maxsize={MAX_SIZE_MB}",
        f"--audit-log-maxbackup={MAX_BACKUPS}",
    ]


@dataclass(frozen=True)
class Request:
    """One audited resource request, as RBAC sees it."""

    user: str
    verb: str
    group: str
    resource: str  # `resource/subresource` for a subresource
    namespace: str | None
    name: str | None
    code: int
    decision: str  # the authorizer's: "allow", "forbid" ("" when not recorded)
    reason: str

    @property
    def created(self) -> bool:
        """A patch or update that created its object (server-side apply of a new object)."""
        return self.verb in ("patch", "update") and self.code == 201


def files(log: Path) -> list[Path]:
    """The log and its rotated backups (`NAME-<time>.EXT` beside it), oldest first."""
    backups = sorted(log.parent.glob(f"{log.stem}-*{log.suffix}"))
    return [*backups, log] if log.exists() else backups


def events(log: Path) -> Iterator[dict[str, Any]]:
    """Every event in the log and its backups, oldest file first (torn lines skipped)."""
    for path in files(log):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict):
                yield event


def requests(log: Path, user: str) -> list[Request]:
    """The resource requests `user` made (non-resource URLs such as discovery left out)."""
    found: list[Request] = []
    for event in events(log):
        if (event.get("user") or {}).get("username") != user:
            continue
        ref = event.get("objectRef")
        if not isinstance(ref, dict) or not ref.get("resource"):
            continue
        resource = str(ref["resource"])
        if ref.get("subresource"):
            resource += f"/{ref['subresource']}"
        notes = event.get("annotations") or {}
        found.append(
            Request(
                user=user,
                verb=str(event.get("verb", "")),
                group=str(ref.get("apiGroup") or ""),
                resource=resource,
                namespace=ref.get("namespace") or None,
                name=ref.get("name") or None,
                code=int((event.get("responseStatus") or {}).get("code") or 0),
                decision=str(notes.get("authorization.k8s.io/decision", "")),
                reason=str(notes.get("authorization.k8s.io/reason", "")),
            )
        )
    return found

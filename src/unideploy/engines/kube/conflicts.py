"""Fields another field manager owns: found by a server-side apply dry run, before any change.

The rendered object is applied with `dryRun=All`, not forced, as the manager the real apply will
use (Helm's). A 409 lists every conflicting field; each is returned with its current owner
(manager, operation, subresource, from the live `managedFields`), the live value and ours.
Nothing is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from unideploy.engines.kube.apply import apply_request

_OWNER = re.compile(r'conflict with "(?P<manager>[^"]*)"(?: with subresource "(?P<sub>[^"]*)")?')
_PART = re.compile(r"\.?([^.\[]+)|\[([^\]]+)\]")


@dataclass(frozen=True)
class FieldConflict:
    """One field we set that another manager owns, with both values."""

    object: str
    field: str
    manager: str
    operation: str
    subresource: str
    live: Any
    desired: Any

    @property
    def owner(self) -> str:
        """`kubectl (Update, subresource scale)`."""
        sub = f", subresource {self.subresource}" if self.subresource else ""
        return f"{self.manager} ({self.operation or 'unknown operation'}{sub})"

    def describe(self) -> str:
        """One line for messages."""
        return (
            f"{self.object} {self.field}: owned by {self.owner}, live {_show(self.live)}, "
            f"chart {_show(self.desired)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "object": self.object,
            "field": self.field,
            "manager": self.manager,
            "operation": self.operation,
            "subresource": self.subresource,
            "live": self.live,
            "desired": self.desired,
        }


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True)
class DryRun:
    """The server's answer to an apply dry run: the object it would store, and what conflicts."""

    obj: dict[str, Any] | None
    conflicts: tuple[FieldConflict, ...] = ()
    error: str = ""


def dry_run_as(
    api: Any,
    manifest: dict[str, Any],
    live: dict[str, Any],
    *,
    namespace: str | None,
    field_manager: str,
    label: str,
    resolve: bool = False,
) -> DryRun:
    """Dry-run the apply as `field_manager`, unforced: the stored object, or the conflicts.

    With `resolve`, a conflicting apply is dry-run once more, forced, so the object the upgrade
    would store (taking those fields) comes back beside the conflicts: one request per object
    when nothing conflicts, which is nearly always.
    """
    query = [("fieldManager", field_manager), ("dryRun", "All")]
    served, status, decoded, reason = apply_request(api, manifest, namespace=namespace, query=query)
    if not served:  # not served yet (a CRD of the same run): nothing can own its fields
        return DryRun(None)
    if status < 400:
        return DryRun(decoded if isinstance(decoded, dict) else None)
    if status != 409:
        return DryRun(None, (), f"HTTP {status} {reason}")
    found = tuple(_conflicts(decoded, manifest, live, label))
    if not resolve:
        return DryRun(None, found)
    forced = [*query, ("force", "true")]
    _, status, decoded, reason = apply_request(api, manifest, namespace=namespace, query=forced)
    if status >= 400:
        return DryRun(None, found, f"HTTP {status} {reason}")
    return DryRun(decoded if isinstance(decoded, dict) else None, found)


def _conflicts(
    decoded: Any, manifest: dict[str, Any], live: dict[str, Any], label: str
) -> list[FieldConflict]:
    causes = ((decoded or {}).get("details") or {}).get("causes") or []
    found = []
    for cause in causes:
        owner = _OWNER.search(str(cause.get("message", "")))
        field = str(cause.get("field", ""))
        manager = owner.group("manager") if owner else "unknown"
        sub = (owner.group("sub") if owner else "") or ""
        found.append(
            FieldConflict(
                object=label,
                field=field.lstrip("."),
                manager=manager,
                operation=_operation(live, manager, sub),
                subresource=sub,
                live=lookup(live, field),
                desired=lookup(manifest, field),
            )
        )
    return found


def _operation(live: dict[str, Any], manager: str, subresource: str) -> str:
    for entry in (live.get("metadata") or {}).get("managedFields") or ():
        if entry.get("manager") == manager and (entry.get("subresource") or "") == subresource:
            return str(entry.get("operation", ""))
    return ""


def lookup(obj: Any, field: str) -> Any:
    """The value at a conflict's field path (`.spec.containers[name="app"].image`), or None."""
    node = obj
    for name, selector in _PART.findall(field):
        if name:
            node = node.get(name) if isinstance(node, dict) else None
        elif isinstance(node, list):
            node = _select(node, selector)
        else:
            node = None
        if node is None:
            return None
    return node


def _select(items: list[Any], selector: str) -> Any:
    wanted: dict[str, Any] = {}
    for pair in selector.split(","):
        key, _, raw = pair.partition("=")
        try:
            wanted[key.strip()] = json.loads(raw)
        except ValueError:
            wanted[key.strip()] = raw.strip('"')
    for item in items:
        if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
            return item
    return None

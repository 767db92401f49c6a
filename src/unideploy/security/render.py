"""Text rendering of security results for people (rich tables); JSON and SARIF live elsewhere.

Reads results only. Severity colours: critical/high red, medium yellow, low dim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from unideploy.security.manifests.registry import Check, Severity
from unideploy.security.manifests.scan import ScanResult

if TYPE_CHECKING:  # these pull in cryptography; `scan` should start without it
    from unideploy.security.certs.expiry import CertResult
    from unideploy.security.tls.judge import TlsResult

STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "dim",
}
STATUS_STYLE = {
    "ok": "green",
    "warning": "yellow",
    "critical": "red",
    "expired": "bold red",
    "error": "bold red",
}


def scan_text(out: Console, result: ScanResult, *, show_exempted: bool = True) -> None:
    """Findings table, exemptions, then unreadable inputs."""
    active = [f for f in result.findings if not f.exempted]
    active.sort(key=lambda f: (-f.severity.rank, f.check_id, str(f.object)))
    if active:
        table = Table(show_edge=False, pad_edge=False)
        for column in ("severity", "check", "object", "container", "finding"):
            table.add_column(column)
        for f in active:
            table.add_row(
                f"[{STYLE[f.severity]}]{f.severity.value}[/]",
                f"{f.check_id} (unknown)" if f.unknown else f.check_id,
                str(f.object),
                f.container or "",
                f.message,
            )
        out.print(table)
    exempted = [f for f in result.findings if f.exempted]
    if exempted and show_exempted:
        out.print(f"\nexempted ({len(exempted)}):")
        for f in exempted:
            out.print(f"  {f.check_id} {f.object}: {f.exemption_reason}")
    if result.errors:
        out.print(f"\n[bold red]could not check {len(result.errors)} input(s):[/]")
        for error in result.errors:
            out.print(f"  {error}")
    if result.skipped:
        kinds = sorted({ref.kind for _, ref in result.skipped})
        out.print(f"\nskipped {len(result.skipped)} custom resource(s): {', '.join(kinds)}")
    unknown = sum(1 for f in active if f.unknown)
    if unknown:
        out.print(
            f"\n{unknown} finding(s) marked (unknown): the check needs objects outside the "
            "scanned set (e.g. NetworkPolicies or roles applied by another tool)"
        )
    out.print(
        f"\n{result.files} file(s), {result.objects} object(s), {len(active)} finding(s), "
        f"{len(exempted)} exempted"
    )


def checks_text(out: Console, checks: Sequence[Check]) -> None:
    """The catalogue of checks."""
    table = Table(show_edge=False, pad_edge=False)
    for column in ("check", "severity", "title", "references"):
        table.add_column(column)
    for c in checks:
        sev = f"[{STYLE[c.severity]}]{c.severity.value}[/]"
        table.add_row(c.id, sev, c.title, " ".join(c.references))
    out.print(table)


def tls_text(out: Console, results: Sequence[TlsResult]) -> None:
    """One block per endpoint: protocols, certificate line, issues."""
    for r in results:
        mark = "[green]ok[/]" if r.ok else f"[{STYLE[r.worst() or Severity.LOW]}]issues[/]"
        out.print(f"{r.endpoint} (SNI {r.endpoint.servername}, {r.profile}): {mark}")
        if r.protocols:
            out.print(f"  protocols: {', '.join(r.protocols)}")
        if r.certificate is not None:
            c = r.certificate
            out.print(
                f"  certificate: {c.subject} from {c.issuer}; {c.key_type} {c.key_size}; "
                f"{c.signature_hash}; {c.days_left(r.now)} days left; "
                f"trusted={r.trusted} hostname_match={r.hostname_match}"
            )
        for issue in r.issues:
            out.print(
                f"  [{STYLE[issue.severity]}]{issue.severity.value:8}[/] {issue.id} {issue.message}"
            )


def certs_text(out: Console, results: Sequence[CertResult]) -> None:
    """One line per certificate."""
    table = Table(show_edge=False, pad_edge=False)
    for column in ("status", "days", "source", "subject", "detail"):
        table.add_column(column)
    for r in results:
        days = "" if r.days_left is None else str(r.days_left)
        subject = r.facts.subject if r.facts else ""
        table.add_row(
            f"[{STATUS_STYLE[r.status.value]}]{r.status.value}[/]",
            days,
            r.source,
            subject,
            r.message,
        )
    out.print(table)

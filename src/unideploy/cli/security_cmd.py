"""`unideploy security`: manifest scan, TLS configuration and certificate expiry, on demand.

Thin: parse options, call `unideploy.checks`, render text, JSON, SARIF or Prometheus text, and
exit 1 when something reaches the threshold. The deploy pipeline calls the same library itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from unideploy.checks import render
from unideploy.checks.endpoints import parse_endpoint
from unideploy.checks.policy import Policy, evaluate, policy_for
from unideploy.checks.registry import Severity, all_checks, check_by_id
from unideploy.checks.sarif import to_sarif
from unideploy.checks.scan import MAX_FILE_BYTES, scan
from unideploy.cli.common import console, emit_json
from unideploy.errors import ConfigError
from unideploy.exitcodes import ExitCode

SEVERITIES = [s.value for s in Severity] + ["none"]
STATUS_ORDER = ["warning", "critical", "expired"]


def _fail_on(text: str | None) -> Severity | None:
    return None if text in (None, "none") else Severity.parse(str(text), what="--fail-on")


def _needs_stack(what: str) -> ConfigError:
    """The hook for `-e ENV`: stack rendering is not wired into these commands yet."""
    return ConfigError(
        f"{what} -e ENV needs the stack's rendered manifests and endpoints, not available here yet",
        hint="pass --manifests DIR (e.g. `helm template` output) or --endpoint HOST:PORT instead",
    )


@click.group("security")
def security_group() -> None:
    """Check manifests, TLS endpoints and certificates; exit 1 when a finding reaches the threshold.

    \b
      unideploy security scan --manifests rendered/ --fail-on medium
      unideploy security tls --endpoint grafana.lab:443 --profile modern
      unideploy security certs --endpoint grafana.lab:443 --file ca.pem
      unideploy security audit --kubeconfig ~/.kube/config -e production
    Exempt an object from a check with the annotations unideploy.io/exempt: "UD-K8S-001,…" and
    unideploy.io/exempt-reason: "why"; exemptions without a reason are ignored.
    """


@security_group.command("scan")
@click.option(
    "--manifests",
    "-m",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="YAML file or directory (recursive, *.yaml/*.yml, multi-document). Repeatable.",
)
@click.option(
    "-e",
    "--environment",
    metavar="ENV",
    help="Apply ENV's policy (development reports, staging fails on high, production on "
    "medium and enforces PSS restricted).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 when a finding is this severe or worse [default: high, or ENV's policy].",
)
@click.option("--check", "only", multiple=True, metavar="ID", help="Run only these checks.")
@click.option("--skip", multiple=True, metavar="ID", help="Do not run these checks.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=MAX_FILE_BYTES // 2**20,
    show_default=True,
    metavar="MiB",
    help="Larger files are reported, not read.",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="sarif is SARIF 2.1.0 for code-scanning UIs.",
)
@click.pass_context
def scan_command(
    ctx: click.Context,
    manifests: tuple[Path, ...],
    environment: str | None,
    fail_on: str | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    max_file_size: int,
    output: str,
) -> None:
    """Scan Kubernetes manifests with every UD-K8S check (list them: `security checks`).

    Unreadable files, documents that are not Kubernetes objects and misspelt kinds are reported one
    by one and also make the exit code 1; custom resources are listed as skipped.
    """
    if not manifests:
        raise (
            _needs_stack("security scan")
            if environment
            else ConfigError(
                "nothing to scan", hint="pass --manifests PATH (a file or a directory of YAML)"
            )
        )
    chosen = [check_by_id(i) for i in only] if only else list(all_checks())
    skipped = {check_by_id(i).id for i in skip}
    chosen = [c for c in chosen if c.id not in skipped]
    result = scan(list(manifests), checks=chosen, max_bytes=max_file_size * 2**20)
    policy = policy_for(environment) if environment else Policy("", Severity.HIGH, None)
    if fail_on is not None:
        policy = Policy(policy.environment, _fail_on(fail_on), policy.pod_security)
    verdict = evaluate(result.findings, policy)
    if output == "json":
        emit_json({**result.to_json(), "verdict": verdict.to_json()})
    elif output == "sarif":
        sys.stdout.write(json.dumps(to_sarif(result, chosen, base=Path.cwd()), indent=2) + "\n")
    else:
        out = console()
        render.scan_text(out, result)
        out.print(verdict.summary())
    ctx.exit(ExitCode.FAILED if result.errors or not verdict.passed else ExitCode.OK)


@security_group.command("checks")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text")
def checks_command(output: str) -> None:
    """List every manifest check: ID, severity, title, rationale and checkov/kubescape IDs."""
    checks = all_checks()
    if output == "json":
        emit_json(
            [
                {
                    "id": c.id,
                    "severity": c.severity.value,
                    "title": c.title,
                    "rationale": c.rationale,
                    "references": list(c.references),
                }
                for c in checks
            ]
        )
    else:
        render.checks_text(console(), checks)


@security_group.command("tls")
@click.option(
    "--endpoint",
    "-E",
    "endpoints",
    multiple=True,
    metavar="HOST:PORT",
    help="Endpoint to scan (port defaults to 443). Repeatable.",
)
@click.option("--servername", metavar="NAME", help="SNI name sent and matched (default: HOST).")
@click.option(
    "--ca-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PEM",
    help="Trust these CAs instead of the Mozilla store (self-signed development certs).",
)
@click.option(
    "--profile",
    type=click.Choice(["intermediate", "modern"]),
    default="intermediate",
    show_default=True,
    help="Mozilla profile: modern accepts TLS 1.3 only.",
)
@click.option("--no-hsts", is_flag=True, help="Do not ask for Strict-Transport-Security.")
@click.option("-e", "--environment", metavar="ENV", help="Scan the stack's endpoints (later).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="high", show_default=True)
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def tls_command(
    ctx: click.Context,
    endpoints: tuple[str, ...],
    servername: str | None,
    ca_file: Path | None,
    profile: str,
    no_hsts: bool,
    environment: str | None,
    fail_on: str,
    output: str,
) -> None:
    """Scan TLS endpoints with sslyze: protocols, ciphers, chain, hostname, key, signature, HSTS."""
    if not endpoints:
        raise (
            _needs_stack("security tls")
            if environment
            else ConfigError("no endpoint given", hint="pass --endpoint HOST:PORT (repeatable)")
        )
    from unideploy.checks.tls import TlsOptions, check_tls

    targets = [parse_endpoint(e, servername) for e in endpoints]
    options = TlsOptions(profile=profile, ca_file=ca_file, check_hsts=not no_hsts)
    results = check_tls(targets, options)
    threshold = _fail_on(fail_on)
    if output == "json":
        emit_json({"endpoints": [r.to_json() for r in results]})
    else:
        render.tls_text(console(), results)
    failed = threshold is not None and any(
        i.severity.at_least(threshold) for r in results for i in r.issues
    )
    ctx.exit(ExitCode.FAILED if failed else ExitCode.OK)


@security_group.command("certs")
@click.option("--endpoint", "-E", "endpoints", multiple=True, metavar="HOST:PORT")
@click.option("--file", "files", multiple=True, type=click.Path(path_type=Path), metavar="PEM")
@click.option("--servername", metavar="NAME", help="SNI name for every endpoint.")
@click.option("--warn-days", type=click.IntRange(min=0), default=30, show_default=True)
@click.option("--critical-days", type=click.IntRange(min=0), default=7, show_default=True)
@click.option("-e", "--environment", metavar="ENV", help="The stack's certificates (later).")
@click.option(
    "--fail-on",
    type=click.Choice([*STATUS_ORDER, "none"]),
    default="critical",
    show_default=True,
    help="Exit 1 at this status or worse; unreadable sources always.",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json", "prometheus"]),
    default="text",
    help="prometheus: x509_cert_* metrics in the text exposition format.",
)
@click.pass_context
def certs_command(
    ctx: click.Context,
    endpoints: tuple[str, ...],
    files: tuple[Path, ...],
    servername: str | None,
    warn_days: int,
    critical_days: int,
    environment: str | None,
    fail_on: str,
    output: str,
) -> None:
    """Report days left on served certificates and PEM files (warning 30 d, critical 7 d)."""
    if not endpoints and not files:
        raise (
            _needs_stack("security certs")
            if environment
            else ConfigError(
                "no certificate source given", hint="pass --endpoint HOST:PORT or --file PEM"
            )
        )
    from unideploy.checks import certs as certs_lib
    from unideploy.checks.certs_metrics import prometheus_text

    thresholds = certs_lib.Thresholds(warn_days, critical_days)
    results = certs_lib.check_endpoints(
        [parse_endpoint(e, servername) for e in endpoints], thresholds
    )
    results += certs_lib.check_files(list(files), thresholds)
    if output == "json":
        emit_json({"certificates": [r.to_json() for r in results]})
    elif output == "prometheus":
        sys.stdout.write(prometheus_text(results))
    else:
        render.certs_text(console(), results)
    bad = set(STATUS_ORDER[STATUS_ORDER.index(fail_on) :]) if fail_on != "none" else set()
    failed = any(r.status.value in bad | {"error"} for r in results)
    ctx.exit(ExitCode.FAILED if failed else ExitCode.OK)


def _register_audit() -> None:
    from unideploy.cli.security_audit_cmd import audit_command

    security_group.add_command(audit_command)


_register_audit()

"""`unideploy security tls` and `security certs`: live TLS endpoints and certificate expiry.

Thin: parse, call `checks.tls` / `checks.certs`, render, exit 1 at the threshold. With
`--from-cluster` the endpoints (Ingress TLS hosts, LoadBalancer Services) and the certificates
(TLS Secrets, cert-manager Certificates) come from the cluster. Registered by `security_cmd`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from unideploy.cli.common import console, emit_json, globals_of
from unideploy.errors import ConfigError
from unideploy.exitcodes import ExitCode
from unideploy.security import render
from unideploy.security.endpoints import endpoints_from_objects, parse_endpoint
from unideploy.security.manifests.registry import Severity

SEVERITIES = [s.value for s in Severity] + ["none"]
STATUS_ORDER = ["warning", "critical", "expired"]


def _environment_cluster(
    ctx: click.Context, environment: str, kubeconfig: Path | None, context: str | None
) -> tuple[Path | None, str | None]:
    """`-e ENV` alone: the environment's own cluster (its kubeconfig and context in stack.yaml)."""
    stack = globals_of(ctx).stack()
    given = ctx.get_parameter_source("kubeconfig") is click.core.ParameterSource.COMMANDLINE
    own = stack.kubeconfig(environment)
    if own is not None and not given:
        kubeconfig = own
    return kubeconfig, context or stack.environment(environment).cluster.context


def cluster_options(func: Any) -> Any:
    """Add --from-cluster, --kubeconfig and --context."""
    func = click.option("--context", metavar="NAME", help="kubeconfig context.")(func)
    func = click.option(
        "--kubeconfig",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="KUBECONFIG",
        metavar="PATH",
        help="Cluster for --from-cluster (default: $KUBECONFIG, then ~/.kube/config).",
    )(func)
    return click.option(
        "--from-cluster", is_flag=True, help="Also take sources from the cluster (read-only)."
    )(func)


def _client(kubeconfig: Path | None, context: str | None) -> Any:
    from unideploy.engines.kube.client import api_client

    return api_client(kubeconfig, context)


@click.command("tls")
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
    default=None,
    help="Mozilla profile: modern accepts TLS 1.3 only [default: modern for -e production, "
    "else intermediate].",
)
@click.option("--no-hsts", is_flag=True, help="Do not ask for Strict-Transport-Security.")
@click.option(
    "-e",
    "--environment",
    metavar="ENV",
    help="Choose ENV's profile; alone, scan what ENV's cluster exposes (as --from-cluster).",
)
@cluster_options
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="high", show_default=True)
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def tls_command(
    ctx: click.Context,
    endpoints: tuple[str, ...],
    servername: str | None,
    ca_file: Path | None,
    profile: str | None,
    no_hsts: bool,
    environment: str | None,
    from_cluster: bool,
    kubeconfig: Path | None,
    context: str | None,
    fail_on: str,
    output: str,
) -> None:
    """Scan TLS endpoints with sslyze: protocols, ciphers, chain, hostname, key, signature, HSTS.

    --from-cluster adds every Ingress TLS host and LoadBalancer Service on 443/8443/9443.
    """
    if not endpoints and not from_cluster:
        if not environment:
            raise ConfigError(
                "no endpoint given", hint="pass --endpoint HOST:PORT (repeatable), or -e ENV"
            )
        # -e ENV alone: what the environment's cluster exposes (Ingress TLS hosts, LB services).
        kubeconfig, context = _environment_cluster(ctx, environment, kubeconfig, context)
        from_cluster = True
    from unideploy.security.tls.check import check_tls
    from unideploy.security.tls.judge import TlsOptions

    targets = [parse_endpoint(e, servername) for e in endpoints]
    if from_cluster:
        from unideploy.security.audit.fetch import fetch_exposed

        targets += endpoints_from_objects(fetch_exposed(_client(kubeconfig, context)))
    if not targets:
        raise ConfigError("the cluster exposes no TLS endpoint", hint="pass --endpoint HOST:PORT")
    profile = profile or ("modern" if environment == "production" else "intermediate")
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


def _fail_on(text: str) -> Severity | None:
    return None if text == "none" else Severity.parse(text, what="--fail-on")


def _cluster_certs(kubeconfig: Path | None, context: str | None, thresholds: Any) -> list[Any]:
    from unideploy.security.audit.fetch import fetch_tls_sources
    from unideploy.security.certs import expiry as certs_lib

    secrets, certificates = fetch_tls_sources(_client(kubeconfig, context))
    return certs_lib.check_tls_secrets(secrets, thresholds) + (
        certs_lib.check_certificate_resources(certificates, thresholds)
    )


@click.command("certs")
@click.option("--endpoint", "-E", "endpoints", multiple=True, metavar="HOST:PORT")
@click.option("--file", "files", multiple=True, type=click.Path(path_type=Path), metavar="PEM")
@click.option("--servername", metavar="NAME", help="SNI name for every endpoint.")
@click.option("--warn-days", type=click.IntRange(min=0), default=30, show_default=True)
@click.option("--critical-days", type=click.IntRange(min=0), default=7, show_default=True)
@click.option("-e", "--environment", metavar="ENV", help="The stack's certificates (later).")
@cluster_options
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
    from_cluster: bool,
    kubeconfig: Path | None,
    context: str | None,
    fail_on: str,
    output: str,
) -> None:
    """Report days left on served certificates and PEM files (warning 30 d, critical 7 d).

    --from-cluster adds every kubernetes.io/tls Secret and cert-manager Certificate (a Certificate
    that is not Ready is an error). Secrets are read for tls.crt only; nothing is printed of them.
    """
    if not endpoints and not files and not from_cluster:
        if not environment:
            raise ConfigError(
                "no certificate source given",
                hint="pass --endpoint HOST:PORT or --file PEM, or -e ENV",
            )
        # -e ENV alone: the TLS Secrets and cert-manager Certificates of the environment's cluster.
        kubeconfig, context = _environment_cluster(ctx, environment, kubeconfig, context)
        from_cluster = True
    from unideploy.security.certs import expiry as certs_lib
    from unideploy.security.certs.metrics import prometheus_text

    thresholds = certs_lib.Thresholds(warn_days, critical_days)
    results = certs_lib.check_endpoints(
        [parse_endpoint(e, servername) for e in endpoints], thresholds
    )
    results += certs_lib.check_files(list(files), thresholds)
    if from_cluster:
        results += _cluster_certs(kubeconfig, context, thresholds)
    if output == "json":
        emit_json({"certificates": [r.to_json() for r in results]})
    elif output == "prometheus":
        sys.stdout.write(prometheus_text(results))
    else:
        render.certs_text(console(), results)
    bad = set(STATUS_ORDER[STATUS_ORDER.index(fail_on) :]) if fail_on != "none" else set()
    failed = any(r.status.value in bad | {"error"} for r in results)
    ctx.exit(ExitCode.FAILED if failed else ExitCode.OK)

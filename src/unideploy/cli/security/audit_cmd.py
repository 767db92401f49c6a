"""`unideploy security audit`: the live cluster audit, a subcommand of `unideploy security`.

Thin like its siblings: build a client from the kubeconfig, list objects, call `checks.audit`,
render, and exit 1 when a finding reaches the threshold. Registered by `security_cmd`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from unideploy.cli.common import console, emit_json
from unideploy.exitcodes import ExitCode
from unideploy.security import render
from unideploy.security.manifests.policy import Policy, evaluate
from unideploy.security.manifests.registry import Severity, all_checks
from unideploy.security.sarif import to_sarif

SEVERITIES = [s.value for s in Severity] + ["none"]


@click.command("audit")
@click.option(
    "--kubeconfig",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="KUBECONFIG",
    metavar="PATH",
    help="Cluster to audit (default: $KUBECONFIG, then ~/.kube/config).",
)
@click.option("--context", metavar="NAME", help="kubeconfig context (default: the current one).")
@click.option(
    "-e",
    "--environment",
    metavar="ENV",
    help="Use ENV's policy for the threshold and the Pod Security level.",
)
@click.option(
    "--enforce-network-policies",
    is_flag=True,
    help="Also require a default-deny ingress policy in every namespace.",
)
@click.option(
    "--pod-security",
    type=click.Choice(["baseline", "restricted", "none"]),
    help="Level running pods must meet [default: ENV's, else baseline].",
)
@click.option(
    "--max-cluster-admin",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="More cluster-admin bindings than this is a finding.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 at this severity or worse [default: high, or ENV's policy].",
)
@click.option("--output", "-o", type=click.Choice(["text", "json", "sarif"]), default="text")
@click.pass_context
def audit_command(
    ctx: click.Context,
    kubeconfig: Path | None,
    context: str | None,
    environment: str | None,
    enforce_network_policies: bool,
    pod_security: str | None,
    max_cluster_admin: int,
    fail_on: str | None,
    output: str,
) -> None:
    """Audit a live cluster's network policies, RBAC and running pods (read-only).

    Finds namespaces without NetworkPolicy (or default-deny), too many cluster-admin bindings, RBAC
    wildcards, risky rights granted to non-system subjects, namespaces without a Pod Security label
    and running pods outside the Pod Security level. It only lists objects; it changes nothing.
    """
    from unideploy.cli.security.policy import environment_policy
    from unideploy.engines.kube.client import api_client
    from unideploy.security.audit.fetch import fetch_audit_objects
    from unideploy.security.audit.rules import AUDIT_CHECKS, AuditOptions, audit
    from unideploy.security.manifests.policy import NETWORK_POLICY_CHECK
    from unideploy.security.manifests.pss import Level
    from unideploy.security.manifests.scan import ScanResult

    policy = (
        environment_policy(ctx, environment)[0]
        if environment
        else Policy("", Severity.HIGH, Level.BASELINE)
    )
    enforce_network_policies |= NETWORK_POLICY_CHECK in policy.always_block
    if fail_on is not None:
        threshold = None if fail_on == "none" else Severity.parse(fail_on, what="--fail-on")
        policy = replace(policy, fail_on=threshold)
    level = (
        policy.pod_security
        if pod_security is None
        else (None if pod_security == "none" else Level(pod_security))
    )
    options = AuditOptions(enforce_network_policies, level, max_cluster_admin)
    objects = fetch_audit_objects(api_client(kubeconfig, context))
    findings = policy.exempt(audit(objects, options))
    result = ScanResult(findings, (), (), files=0, objects=len(objects))
    verdict = evaluate(findings, replace(policy, pod_security=None))
    if output == "json":
        emit_json({**result.to_json(), "verdict": verdict.to_json()})
    elif output == "sarif":
        checks = [*all_checks(), *AUDIT_CHECKS]
        sys.stdout.write(json.dumps(to_sarif(result, checks), indent=2) + "\n")
    else:
        out = console()
        render.scan_text(out, result)
        out.print(verdict.summary())
    ctx.exit(ExitCode.OK if verdict.passed else ExitCode.FAILED)

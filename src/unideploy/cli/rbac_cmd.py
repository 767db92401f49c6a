"""`unideploy rbac -e ENV`: print the least-privilege RBAC objects a deploy of ENV needs."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from unideploy.cli.common import console, emit_json, environment_option, globals_of
from unideploy.exitcodes import ExitCode
from unideploy.service.rbac import DEFAULT_ACCOUNT, parse_account, rbac_for


@click.command("rbac")
@environment_option()
@click.option(
    "--service-account",
    "account",
    default=DEFAULT_ACCOUNT,
    show_default=True,
    metavar="NS/NAME",
    help="The ServiceAccount the objects are for.",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="YAML documents, or one JSON List (both for `kubectl apply -f -`).",
)
@click.option(
    "--kubeconfig-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a kubeconfig for the ServiceAccount (a TokenRequest token, mode 0600). "
    "Apply the objects first.",
)
@click.option(
    "--token-ttl",
    type=click.IntRange(600, 31 * 24 * 3600),
    default=24 * 3600,
    show_default=True,
    metavar="SECONDS",
    help="Lifetime of the token written with --kubeconfig-out.",
)
@click.pass_context
def rbac_command(
    ctx: click.Context,
    environment: str,
    account: str,
    output: str,
    kubeconfig_out: Path | None,
    token_ttl: int,
) -> int:
    """Print the least-privilege RBAC objects a deploy of ENV needs.

    \b
    A ServiceAccount, one Role (and RoleBinding) per namespace and one ClusterRole (and
    ClusterRoleBinding) for cluster-wide resources, holding exactly the verbs the run uses:
    the lock Lease, Helm's release Secrets, every kind the charts render (resolved through the
    cluster's API discovery, CRDs of the same run included), readiness, the live audit, the
    run records and drift; `bind`/`escalate` only on the RBAC objects charts ship. No wildcard.

    Examples:
      unideploy rbac -e production | kubectl apply -f -
      unideploy rbac -e production --kubeconfig-out deployer.kubeconfig
    """
    result = rbac_for(
        globals_of(ctx).stack(),
        environment,
        parse_account(account),
        kubeconfig_out=kubeconfig_out,
        token_ttl_s=token_ttl,
    )
    if output == "json":
        emit_json({"apiVersion": "v1", "kind": "List", "items": result.objects})
    else:
        sys.stdout.write(yaml.safe_dump_all(result.objects, sort_keys=False))
    if result.kubeconfig is not None:
        console(stderr=True).print(f"kubeconfig for {account} written to {result.kubeconfig}")
    return ExitCode.OK

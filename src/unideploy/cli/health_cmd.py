"""`unideploy health -e ENV`: the production health check of an environment's live cluster.

Thin: connect with the environment's kubeconfig, call tests_runtime.health, print a table or JSON,
exit 1 when an area failed.
"""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from unideploy.cli.common import console, emit_json, environment_option, globals_of, output_option
from unideploy.exitcodes import ExitCode

STYLES = {"ok": "green", "warning": "yellow", "failed": "bold red"}


@click.command("health")
@environment_option()
@click.option(
    "--system-namespace",
    "system_namespaces",
    multiple=True,
    metavar="NS",
    help="Namespace whose pods must all be ready (repeatable; default kube-system).",
)
@click.option("--verbose", "-v", is_flag=True, help="List every object checked, not only areas.")
@output_option
@click.pass_context
def health_command(
    ctx: click.Context,
    environment: str,
    system_namespaces: tuple[str, ...],
    verbose: bool,
    output: str,
) -> int:
    """Check ENV's cluster: nodes, system pods, workloads, endpoints, load balancers, certificates.

    Read-only. Nodes must be Ready; pods in the system namespaces ready; every Deployment,
    StatefulSet and DaemonSet available; every Service with a selector must have ready endpoints;
    LoadBalancer Services an address; TLS Secrets and cert-manager Certificates valid (a warning
    under 30 days left, a failure under 7 or when not Ready).

    \b
    Exit 0 when healthy (warnings allowed), 1 when an area failed, 2 for config errors.

    \b
    Examples:
      unideploy health -e production
      unideploy health -e staging --output json
    """
    from unideploy.engines.kube.client import api_client
    from unideploy.tests_runtime.health import SYSTEM_NAMESPACES, check_health

    stack = globals_of(ctx).stack()
    env = stack.environment(environment)
    client = api_client(stack.kubeconfig(environment), env.cluster.context)
    health = check_health(client, system_namespaces or SYSTEM_NAMESPACES)
    if output == "json":
        emit_json({"environment": environment, **health.to_json()})
        return int(ExitCode.OK if health.healthy else ExitCode.FAILED)
    out = console()
    table = Table(box=None, pad_edge=False)
    for column in ("area", "status", "detail"):
        table.add_column(column, overflow="fold")
    for area in health.areas:
        table.add_row(area.name, Text(area.status, style=STYLES[area.status]), Text(area.message))
        if verbose:
            for name, ok, why in area.items:
                table.add_row(
                    "", Text("ok" if ok else "not ok", style="dim"), Text(f"{name}: {why}")
                )
    out.print(table)
    verdict = "healthy" if health.healthy else "NOT healthy"
    out.print(Text(f"{environment}: {verdict}", style="green" if health.healthy else "bold red"))
    return int(ExitCode.OK if health.healthy else ExitCode.FAILED)

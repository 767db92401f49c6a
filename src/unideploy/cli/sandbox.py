"""`unideploy sandbox up|down|status|kubeconfig`: the local control plane, from the command line.

Thin: parse options, call unideploy.sandbox, render a table or JSON. Errors propagate to the main
entry point, which prints what went wrong and the hint.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from unideploy.exitcodes import ExitCode
from unideploy.sandbox import CONTEXT, Sandbox, SandboxStatus, default_state_dir
from unideploy.sandbox.flux import GITOPS_FLAVORS
from unideploy.sandbox.nodes import NodeOptions, parse_label, parse_taint
from unideploy.sandbox.webhook_log import WEBHOOK_MODES, WEBHOOKS_SIMULATE

_STATE_DIR_HELP = (
    "Sandbox state directory (certificates, etcd data, logs, kubeconfig). "
    "Default: $UNIDEPLOY_SANDBOX_DIR, else .unideploy/sandbox beside the nearest stack.yaml, "
    "else under the current directory."
)


def _state_dir_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=_STATE_DIR_HELP,
    )(func)


def _output_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--output",
        "-o",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Render for people (text) or for programs (json).",
    )(func)


def _render(status: SandboxStatus, output: str, extra: dict[str, object] | None = None) -> None:
    if output == "json":
        click.echo(json.dumps({**status.to_dict(), **(extra or {})}, indent=2))
        return
    console = Console()
    console.print(f"sandbox: [bold]{status.summary}[/bold]")
    if status.components:
        table = Table("component", "pid", "port", "state", "log")
        for comp in status.components:
            state = "[green]running[/green]" if comp.running else "[red]stopped[/red]"
            port = str(comp.port) if comp.port else "-"
            table.add_row(comp.name, str(comp.pid), port, state, comp.log)
        console.print(table)
    if status.nodes:
        console.print(f"fake nodes: {', '.join(status.nodes)}")
    if status.webhooks_note:
        console.print(status.webhooks_note)
    if status.isolated is not None:
        network = "own namespace, loopback only" if status.isolated else "[red]NOT isolated[/red]"
        console.print(f"network: {network}; LoadBalancer addresses from 127.240.0.0/16")
    if status.audit_log:
        console.print(f"audit log: {status.audit_log}", soft_wrap=True)  # a path: never wrapped
    if status.gitops:
        console.print(
            f"gitops: {status.gitops['flavor']}; push to {status.gitops['repository']} "
            f"(branch {status.gitops['branch']}); Flux fetches {status.gitops['url']}",
            soft_wrap=True,
        )
        if status.gitops.get("charts"):
            console.print(
                f"chart repository: {status.gitops['charts_url']} serves "
                f"{status.gitops['charts']} (`gitops render --chart-repo sandbox`)",
                soft_wrap=True,
            )
    console.print(f"kubeconfig: {status.kubeconfig}  (context {CONTEXT})")


@click.group("sandbox")
def sandbox_group() -> None:
    """Run a real local Kubernetes control plane to try a stack on.

    The sandbox is etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (which
    plays the kubelet for fake nodes, so Pods become Running and Ready without containers), plus
    stand-ins for what k3s adds: ServiceLB, the local-path provisioner, and simulated admission
    webhooks. Every component runs in a network namespace of its own with only loopback; the
    API is reached on 127.0.0.1 on a random free port. Build the tools once with
    scripts/setup/install-tools.sh.

    \b
    Typical use:
      unideploy sandbox up
      export KUBECONFIG=$(unideploy sandbox kubeconfig)
      kubectl get nodes
      unideploy sandbox down
    """


@sandbox_group.command("up")
@_state_dir_option
@click.option(
    "--nodes",
    type=click.IntRange(1, 50),
    default=1,
    show_default=True,
    help="How many fake nodes to register.",
)
@click.option(
    "--webhooks",
    type=click.Choice(list(WEBHOOK_MODES)),
    default=WEBHOOKS_SIMULATE,
    show_default=True,
    help="simulate: a local stand-in admits every webhook call and changes nothing; "
    "fail: webhook calls fail fast, as with their servers down. Applies when the sandbox starts.",
)
@click.option(
    "--node-label",
    "node_labels",
    multiple=True,
    metavar="KEY=VALUE",
    help="Label every fake node (repeatable).",
)
@click.option(
    "--node-taint",
    "node_taints",
    multiple=True,
    metavar="KEY[=VALUE]:EFFECT",
    help="Taint every fake node but the first (repeatable).",
)
@click.option(
    "--audit-log",
    is_flag=True,
    help="kube-apiserver writes an audit log (JSON lines, level Metadata: who did what, no "
    "bodies) to STATE_DIR/audit.log, rotated at 100 MB. Applies when the sandbox starts.",
)
@click.option(
    "--gitops",
    type=click.Choice(list(GITOPS_FLAVORS)),
    default=None,
    help="Also run a GitOps engine: flux installs Flux's CRDs and runs source-, kustomize- and "
    "helm-controller plus a git server for STATE_DIR/gitops/sandbox.git (push to that path; "
    "`status -o json` gives its in-sandbox URL) and a Helm chart repository serving "
    "STATE_DIR/gitops/charts. Applies when the sandbox starts.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(5, 600),
    default=90.0,
    show_default=True,
    help="Seconds to wait for the API and a Ready node before giving up.",
)
@_output_option
def up(
    state_dir: Path | None,
    nodes: int,
    webhooks: str,
    node_labels: tuple[str, ...],
    node_taints: tuple[str, ...],
    audit_log: bool,
    gitops: str | None,
    timeout: float,
    output: str,
) -> None:
    """Start the sandbox and wait until /readyz answers and a fake node is Ready.

    If the sandbox in STATE_DIR already runs, nothing is restarted. Certificates and etcd data are
    kept across `down`/`up`; `down --purge` starts the next `up` from nothing. Component logs are
    in STATE_DIR/logs.
    """
    try:
        options = NodeOptions(
            labels=tuple(parse_label(text) for text in node_labels),
            taints=tuple(parse_taint(text) for text in node_taints),
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    started = time.monotonic()
    box = Sandbox(
        state_dir,
        nodes=nodes,
        webhooks=webhooks,
        node_options=options,
        audit_log=audit_log,
        gitops=gitops,
    )
    status = box.up(timeout=timeout)
    if status.components and bool(status.audit_log) != audit_log:
        state = "on" if status.audit_log else "off"
        click.echo(
            f"note: the sandbox was already running with the audit log {state}; "
            "run `unideploy sandbox down` first to change it",
            err=True,
        )
    if status.webhooks and status.webhooks != webhooks:
        click.echo(
            f"note: the sandbox was already running with --webhooks={status.webhooks}; "
            "run `unideploy sandbox down` first to change it",
            err=True,
        )
    if status.components and (status.gitops.get("flavor") or None) != gitops:
        running = status.gitops.get("flavor") or "none"
        click.echo(
            f"note: the sandbox was already running with --gitops {running}; "
            "run `unideploy sandbox down` first to change it",
            err=True,
        )
    elapsed = round(time.monotonic() - started, 2)
    _render(status, output, {"elapsed_seconds": elapsed})
    if output == "text":
        click.echo(f"ready in {elapsed} s; use it with: export KUBECONFIG={status.kubeconfig}")
    click.get_current_context().exit(int(ExitCode.OK))


@sandbox_group.command("down")
@_state_dir_option
@click.option(
    "--purge",
    is_flag=True,
    help="Also delete the state directory: certificates, etcd data, logs, kubeconfig.",
)
@_output_option
def down(state_dir: Path | None, purge: bool, output: str) -> None:
    """Stop every sandbox process and free its ports.

    Data is kept for a faster next `up` unless --purge is given. Stopping a sandbox that is not
    running is not an error.
    """
    box = Sandbox(state_dir)
    stopped = box.down(purge=purge)
    if output == "json":
        result = {"stopped": stopped, "purged": purge, "state_dir": str(box.layout.root)}
        click.echo(json.dumps(result, indent=2))
    elif stopped:
        click.echo(f"stopped: {', '.join(stopped)}" + (" (state purged)" if purge else ""))
    else:
        click.echo("sandbox was not running" + (" (state purged)" if purge else ""))
    click.get_current_context().exit(int(ExitCode.OK))


@sandbox_group.command("status")
@_state_dir_option
@_output_option
def status(state_dir: Path | None, output: str) -> None:
    """Tell what runs: each component's pid, port and log, the API server and the kubeconfig.

    Exits 0 when the sandbox is running and its API is ready, 1 otherwise.
    """
    current = Sandbox(state_dir).status()
    _render(current, output)
    click.get_current_context().exit(int(ExitCode.OK if current.running else ExitCode.FAILED))


@sandbox_group.command("kubeconfig")
@_state_dir_option
@_output_option
def kubeconfig(state_dir: Path | None, output: str) -> None:
    """Print the path of the sandbox kubeconfig (never its contents: it holds a private key).

    The path is stable for a state directory, so environments can point at it:
    .unideploy/sandbox/kubeconfig beside stack.yaml by default. The context is `unideploy-sandbox`.
    Exits 1 (still printing the path) when the file does not exist yet: run `unideploy sandbox up`.
    """
    path = Sandbox(state_dir or default_state_dir()).kubeconfig
    exists = path.is_file()
    if output == "json":
        click.echo(json.dumps({"kubeconfig": str(path), "context": CONTEXT, "exists": exists}))
    else:
        click.echo(str(path))
        if not exists:
            click.echo(
                "note: no sandbox has been started here yet: run `unideploy sandbox up`", err=True
            )
    click.get_current_context().exit(int(ExitCode.OK if exists else ExitCode.FAILED))

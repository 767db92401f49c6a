"""`unideploy lock status|release -e ENV`: who holds an environment's deploy lock; free a dead one.

Thin: find the state dir and cluster (options, else the stack), ask execute.lock / execute.lease,
print. Forced releases are written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from unideploy.cli.common import console, emit_json, environment_option, globals_of, output_option
from unideploy.execute.lock import FileLock, force_release_file
from unideploy.execute.lockbase import LOCK_NAMESPACE
from unideploy.execute.result import local_user
from unideploy.exitcodes import ExitCode
from unideploy.records.audit import AuditLog


def state_dir_of(ctx: click.Context, given: Path | None) -> Path:
    """The state directory: `--state-dir`, else the stack's `.unideploy/`."""
    return given if given is not None else globals_of(ctx).stack().state_dir


def _cluster_of(
    ctx: click.Context,
    environment: str,
    kubeconfig: Path | None,
    context: str | None,
    state_dir: Path | None,
) -> tuple[Path | None, str | None]:
    """The cluster holding the Lease: `--kubeconfig`, else the stack's (none with --state-dir)."""
    if kubeconfig is not None or state_dir is not None:
        return kubeconfig, context
    stack = globals_of(ctx).stack()
    return stack.kubeconfig(environment), context or stack.environment(environment).cluster.context


def _where(func: Any) -> Any:
    for option in reversed(
        [
            environment_option(),
            click.option(
                "--state-dir",
                type=click.Path(path_type=Path, file_okay=False),
                help="Local state directory (default: .unideploy/ beside stack.yaml).",
            ),
            click.option(
                "--kubeconfig",
                type=click.Path(path_type=Path, dir_okay=False),
                help="Kubeconfig of the cluster holding the Lease (default: the environment's in "
                "stack.yaml; none when --state-dir is given: the local lock only).",
            ),
            click.option("--context", help="Context in the kubeconfig (default: its current one)."),
            click.option(
                "--namespace",
                default=LOCK_NAMESPACE,
                show_default=True,
                help="Namespace of the lock Leases.",
            ),
            output_option,
        ]
    ):
        func = option(func)
    return func


@click.group("lock")
def lock_group() -> None:
    """Inspect or free an environment's deploy lock.

    A deploy holds a Lease `unideploy-ENV` in the cluster (a file lock under .unideploy/locks/ for
    dry runs) and releases it when it ends, however it ends. A run killed with SIGKILL leaves its
    Lease until it expires (60 s without renewal); `release` frees it at once.
    """


@lock_group.command("status")
@_where
@click.pass_context
def status_command(
    ctx: click.Context,
    environment: str,
    state_dir: Path | None,
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    output: str,
) -> int:
    """Show who holds the lock of ENV, since when.

    \b
    Examples:
      unideploy lock status -e production
      unideploy lock status -e staging --kubeconfig ~/.kube/staging -o json
    """
    report: dict[str, Any] = {"environment": environment}
    local = FileLock(state_dir_of(ctx, state_dir), environment, identity="").holder()
    report["local"] = local.to_dict() if local else None
    path, ctx_name = _cluster_of(ctx, environment, kubeconfig, context, state_dir)
    holder = None
    if path is not None:
        from unideploy.execute.lease import LeaseLock, api_client

        lease = LeaseLock(api_client(path, ctx_name), environment, identity="", namespace=namespace)
        holder = lease.holder()
        report["lease"] = holder.to_dict() if holder else None
        report["lease_name"] = f"{namespace}/{lease.name}"
    if output == "json":
        emit_json(report)
        return ExitCode.OK
    out = console()
    out.print(f"local lock: {local.describe() if local else 'free'}")
    if "lease_name" in report:
        held = holder.describe() if holder else "free"
        out.print(f"lease {report['lease_name']}: {held}")
    return ExitCode.OK


@lock_group.command("release")
@_where
@click.pass_context
def release_command(
    ctx: click.Context,
    environment: str,
    state_dir: Path | None,
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    output: str,
) -> int:
    """Free the lock of ENV left behind by a run that is dead.

    Only do this when the holder is really gone: a live deploy whose lock is taken loses it at its
    next renewal. A local file lock cannot be taken from a live process; stop it instead.

    \b
    Example:
      unideploy lock release -e production
    """
    where = state_dir_of(ctx, state_dir)
    released: dict[str, Any] = {"environment": environment, "released": None}
    path, ctx_name = _cluster_of(ctx, environment, kubeconfig, context, state_dir)
    if path is not None:
        from unideploy.execute.lease import LeaseLock, api_client

        lease = LeaseLock(api_client(path, ctx_name), environment, identity="", namespace=namespace)
        holder = lease.force_release()
        if holder is not None:
            released["released"] = holder.to_dict()
            AuditLog(where / "audit.jsonl").append(
                "lock_force_released",
                {"environment": environment, "by": local_user(), "holder": holder.identity},
            )
    else:
        force_release_file(where, environment)
    if output == "json":
        emit_json(released)
    elif released["released"]:
        console().print(
            f"released the lock of {environment} held by {released['released']['holder']}"
        )
    else:
        console().print(f"the lock of {environment} was free")
    return ExitCode.OK

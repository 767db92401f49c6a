"""`unideploy gitops status`: the Argo CD / Flux objects of the stack, read back and explained."""

from __future__ import annotations

import click
from rich.markup import escape

from unideploy.cli.common import console, emit_json, environment_option, globals_of, output_option
from unideploy.exitcodes import ExitCode


@click.command("status")
@environment_option()
@output_option
@click.pass_context
def status_command(ctx: click.Context, environment: str, output: str) -> int:
    """Sync and health of ENV's Argo CD and Flux objects, explained.

    \b
    Finds the objects `gitops render` labels for this stack and environment. Argo CD:
    sync status, health, out-of-sync and unhealthy resources, failed syncs. Flux:
    Ready/Stalled conditions and suspension of Kustomizations, HelmReleases and sources.
    Each problem comes with the argocd/flux command that helps.

    Exit 0 when everything found is synced and healthy, 1 otherwise (or nothing is found).
    """
    from unideploy.engines.kube.client import api_client
    from unideploy.gitops.status import gitops_status

    stack = globals_of(ctx).stack()
    context = stack.environment(environment).cluster.context
    result = gitops_status(api_client(stack.kubeconfig(environment), context), stack, environment)
    if output == "json":
        emit_json(result.to_dict())
    else:
        out = console()
        if not result.installed:
            out.print("neither Argo CD nor Flux is installed in this cluster (no CRDs)")
        elif not result.objects:
            out.print(
                f"no GitOps objects of stack {stack.file.name} ({environment}) found; "
                "apply the output of `unideploy gitops render`"
            )
        for obj in result.objects:
            mark = "✓" if obj.ok else "✗"
            at = f" at {escape(obj.revision)}" if obj.revision else ""
            out.print(f"{mark} {obj.kind} {obj.namespace}/{obj.name}: {obj.state}{at}")
            for problem in obj.problems:
                out.print(f"    {escape(problem)}")
            if obj.fix:
                out.print(f"    fix: {escape(obj.fix)}")
    return ExitCode.OK if result.healthy else ExitCode.FAILED

"""`unideploy plan`: show what a deploy of one environment would do, in order (like show-dag).

Thin: parse → plan.build_plan → print a tree or one JSON document. Changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.tree import Tree

from unideploy.cli.common import (
    console,
    emit_json,
    environment_option,
    globals_of,
    output_option,
    values_options,
)
from unideploy.cli.security.policy import environment_policy
from unideploy.config.validate import validate_environment
from unideploy.exitcodes import ExitCode
from unideploy.plan.build import Plan, build_plan
from unideploy.security.manifests.policy import Exemption


@click.command("plan")
@environment_option()
@values_options
@output_option
@click.pass_context
def plan_command(
    ctx: click.Context,
    environment: str,
    values_files: tuple[Path, ...],
    sets: tuple[str, ...],
    output: str,
) -> int:
    """Show the phases, Terraform modules, tiers in order and each release with its needs.

    \b
    Releases in the same wave of a tier have no needs between them and deploy in parallel.

    Examples:
      unideploy plan -e production
      unideploy plan -e development -o json
    """
    stack = globals_of(ctx).stack()
    validate_environment(stack, environment, values_files, sets)
    plan = build_plan(stack, environment)
    policy, _ = environment_policy(ctx, environment)
    if output == "json":
        exemptions = [e.to_json() for e in policy.exemptions]
        emit_json({**plan.to_dict(), "securityExemptions": exemptions})
    else:
        console().print(render_tree(plan, policy.exemptions))
    return ExitCode.OK


def _exemption_line(exemption: Exemption) -> str:
    where = "every release" if exemption.release == "*" else exemption.release
    objects = f"{exemption.kind}/{exemption.name}"
    scope = "" if objects == "*/*" else f" {objects}"
    return f"exempt {exemption.check} in {where}{scope}: [italic]{exemption.reason}[/]"


def render_tree(plan: Plan, exemptions: Sequence[Exemption] = ()) -> Tree:
    """The plan as a tree: phases, then modules, then tiers with their releases."""
    root = Tree(f"[bold]{plan.stack}[/] → environment [bold]{plan.environment}[/]")
    for phase in plan.phases:
        label = f"[bold]{phase.name}[/]"
        if phase.skipped:
            label += f" (skipped: {phase.skipped})"
        node = root.add(label)
        if phase.name == "terraform":
            for module in plan.modules:
                node.add(f"{module.name}  [dim]{module.path}[/]")
        if phase.name == "helm":
            for index, tier in enumerate(plan.tiers, start=1):
                tier_node = node.add(f"tier {index}: [bold]{tier.name}[/]")
                if not tier.releases:
                    tier_node.add("[dim](no releases)[/]")
                for release in tier.releases:
                    needs = ", ".join(release.needs) if release.needs else "-"
                    tier_node.add(
                        f"wave {release.wave}  {release.name}  [dim]ns={release.namespace} "
                        f"chart={release.chart} timeout={release.timeout}s[/]  needs: {needs}"
                    )
        if phase.name in ("security", "security:static"):
            for exemption in exemptions:
                node.add(_exemption_line(exemption))
    return root

"""Print a StackDiff for people: Terraform plan summaries, then each release's object diffs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from unideploy.diffs.unified import StackDiff


def print_conflicts(console: Console, release: str, conflicts: Sequence[Mapping[str, Any]]) -> None:
    """Fields another field manager owns: a deploy stops there until someone decides."""
    if not conflicts:
        return
    console.print(
        f"  [yellow]helm/{release}[/]: {len(conflicts)} field(s) owned by another field manager "
        "(deploy stops; --force-conflicts takes them back, leaveToOthers leaves them)"
    )
    for c in conflicts:
        sub = f", subresource {c.get('subresource')}" if c.get("subresource") else ""
        console.print(
            Text(
                f"    ! {c.get('object')} {c.get('field')}: owned by {c.get('manager')} "
                f"({c.get('operation') or 'unknown operation'}{sub}), live "
                f"{json.dumps(c.get('live'), default=str)}, chart "
                f"{json.dumps(c.get('desired'), default=str)}"
            )
        )


def print_diff(console: Console, diff: StackDiff) -> None:
    """Coloured unified diffs on a terminal, plain text elsewhere."""
    console.print(f"[bold]diff of {diff.environment}[/]")
    for plan in diff.terraform:
        if not plan.get("has_changes"):
            console.print(f"  terraform/{plan['module']}: no changes")
            continue
        console.print(
            f"  [bold]terraform/{plan['module']}[/]: {plan['add']} to add, {plan['change']} to "
            f"change, {plan['destroy']} to destroy"
        )
        for resource in plan.get("resources", []):
            if resource["action"] != "no-op":
                console.print(f"    {resource['action']:8} {resource['address']}")
        for output in plan.get("outputs", []):
            if output["action"] != "no-op":
                console.print(
                    f"    output {output['name']}: {output['action']} → {output['value']}"
                )
    for release in diff.releases:
        changed = release.changed
        if release.error:
            console.print(f"  [yellow]helm/{release.release}[/]: diff incomplete: {release.error}")
        print_conflicts(console, release.release, release.conflicts)
        if not changed:
            console.print(f"  helm/{release.release}: no changes")
            continue
        console.print(
            f"  [bold]helm/{release.release}[/] ({release.namespace}): {len(changed)} change(s)"
        )
        for obj in changed:
            for line in obj.text.splitlines():
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
                console.print(Text("    " + line, style=style))
    for note in diff.notes:
        console.print(f"  [dim]{note}[/]")
    if not diff.complete:
        console.print("[yellow]diff incomplete[/]: see the notes above")
    elif diff.has_changes:
        console.print("[bold]changes detected[/]")
    else:
        console.print("no changes")

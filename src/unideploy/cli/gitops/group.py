"""`unideploy gitops`: render the stack for Argo CD or Flux, read their state, start Flux on it.

Thin: the group; each subcommand lives in its own module (`render_cmd`, `status_cmd`,
`bootstrap_cmd`, `charts_cmd`) and calls `unideploy.gitops`.
"""

from __future__ import annotations

import click

from unideploy.cli.gitops.bootstrap_cmd import bootstrap_command
from unideploy.cli.gitops.charts_cmd import charts_command
from unideploy.cli.gitops.render_cmd import render_command
from unideploy.cli.gitops.status_cmd import status_command


@click.group("gitops")
def gitops_group() -> None:
    """Render the stack for Argo CD or Flux, and read their sync state."""


for _command in (render_command, status_command, bootstrap_command, charts_command):
    gitops_group.add_command(_command)

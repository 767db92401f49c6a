"""`unideploy import helmfile`: come from helmfile in one command."""

from __future__ import annotations

from pathlib import Path

import click

from unideploy.cli.common import console
from unideploy.exitcodes import ExitCode
from unideploy.service.import_helmfile import write_import


@click.group("import")
def import_group() -> None:
    """Write a stack.yaml from another tool's files."""


@import_group.command("helmfile")
@click.option(
    "-f",
    "--file",
    "helmfile",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("helmfile.yaml"),
    show_default=True,
    help="The helmfile to import.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Directory for stack.yaml and the values files.",
)
@click.option(
    "--tier-label",
    metavar="LABEL",
    help="Release label whose value names the tier (else tiers are the needs layers).",
)
@click.option(
    "-e",
    "--environment",
    metavar="ENV",
    help="Import this helmfile environment only (conditions read from its values, as "
    "`helmfile -e ENV sync`); else every environment, conditions read from `default`.",
)
@click.option(
    "--helmfile-bin",
    metavar="PATH",
    help="helmfile binary that renders a templated helmfile (else $UNIDEPLOY_HELMFILE_BIN, "
    "the one scripts/setup/install-tools.sh builds, or helmfile on PATH).",
)
def helmfile_command(
    helmfile: Path,
    out: Path,
    tier_label: str | None,
    environment: str | None,
    helmfile_bin: str | None,
) -> int:
    """Write a stack.yaml (and copy its values files) from a helmfile.

    \b
    Repositories (OCI too), releases with their charts, versions, values, set/setString,
    needs, installed/condition, wait/timeout/atomic, helmDefaults, environments, bases and
    nested helmfiles. What has no equivalent (hooks with commands, secrets, patches,
    transformers) is listed with its file:line and what to do, and the exit code is 3.
    Templated helmfiles (.gotmpl, {{ }}) are rendered by the real `helmfile -e ENV build`
    (environment default without -e) and its state is imported, values embedded.
    """
    imported = write_import(helmfile, out, tier_label, environment, helmfile_bin)
    shown = console(stderr=True)
    releases = imported.stack["releases"]
    shown.print(
        f"wrote {out / 'stack.yaml'}: {len(releases)} releases in "
        f"{len(imported.stack.get('tiers', []))} tiers"
    )
    for warning in imported.warnings:
        shown.print(f"warning: {warning}", markup=False, highlight=False)
    return ExitCode.CHANGES if imported.warnings else ExitCode.OK

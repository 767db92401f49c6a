"""`unideploy secrets encrypt|decrypt|edit FILE`: SOPS-encrypted values files (age recipients).

Thin: each subcommand calls service/secrets.py. `decrypt` prints clear values on purpose (to the
terminal or a pipe, never a file of ours); nothing else in unideploy ever does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from unideploy.cli.common import console
from unideploy.service import secrets


@click.group("secrets")
def secrets_group() -> None:
    """Encrypt, decrypt or edit a values file with SOPS (age); `.sops.yaml` creation rules apply.

    \b
    Keys: SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY), as sops reads them.
    Encrypted values files are read wherever a values file is allowed.
    """


FILE = click.argument("file", type=click.Path(path_type=Path, dir_okay=False))


@secrets_group.command("encrypt")
@FILE
def encrypt_command(file: Path) -> None:
    """Encrypt FILE in place for the recipients of its `.sops.yaml` creation rule."""
    how = secrets.encrypt(file)
    console(stderr=True).print(f"encrypted {file} ({how})")


@secrets_group.command("decrypt")
@FILE
def decrypt_command(file: Path) -> None:
    """Print FILE decrypted on stdout (the file itself stays encrypted)."""
    sys.stdout.write(secrets.decrypt(file))


@secrets_group.command("edit")
@FILE
def edit_command(file: Path) -> None:
    """Edit FILE in $EDITOR through `sops edit`; it is encrypted again on save."""
    code = secrets.edit(file)
    if code != 0:
        raise click.exceptions.Exit(code)

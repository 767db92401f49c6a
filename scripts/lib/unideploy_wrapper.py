"""Shared helper of the seed's Python script paths: exec the unideploy CLI with their arguments.

The scripts under scripts/ are thin wrappers: they map their historical flags onto a `unideploy`
command and replace themselves with it (bootstrapping .venv first), so the exit code passes through.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "scripts" / "lib" / "unideploy.sh"


def exec_unideploy(args: list[str]) -> NoReturn:
    """Replace this process with `unideploy ARGS…` run from the repository's .venv."""
    sys.stdout.flush()
    sys.stderr.flush()
    bash = "/bin/bash" if Path("/bin/bash").exists() else "/usr/bin/bash"
    os.execv(bash, [bash, str(LAUNCHER), *args])  # noqa: S606 - argv list, never a shell

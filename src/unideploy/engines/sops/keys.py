"""Find age identities as `sops` does: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, the user's keys.txt.

sops reads every source that exists and tries all the identities; so do we. The keys stay in
memory; nothing here prints or logs them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pyrage

KEY_ENV = "SOPS_AGE_KEY"
KEY_FILE_ENV = "SOPS_AGE_KEY_FILE"
_PREFIX = "AGE-SECRET-KEY-"


def default_key_file(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/sops/age/keys.txt` (else `~/.config/...`), as sops looks on Linux."""
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(base) / "sops" / "age" / "keys.txt"


def _parse(text: str) -> list[pyrage.x25519.Identity]:
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(_PREFIX):
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                continue
    return found


def age_identities(env: Mapping[str, str] | None = None) -> list[pyrage.x25519.Identity]:
    """Every age identity sops would try, in its order; none found is an empty list."""
    environ = env if env is not None else os.environ
    identities = _parse(environ.get(KEY_ENV, ""))
    files = [Path(environ[KEY_FILE_ENV])] if environ.get(KEY_FILE_ENV) else []
    files.append(default_key_file(environ))
    for path in files:
        try:
            identities += _parse(path.read_text(encoding="utf-8"))
        except OSError:
            continue
    return identities

"""The SOPS engine's contract: an encrypted document in, its clear tree (in memory) out.

A document is encrypted when its top level holds a `sops` mapping with a `mac` (what getsops/sops
writes). `builtin.py` decrypts age-wrapped files in process; `binary.py` asks the `sops` binary.
Both raise `SopsError` (a configuration error: exit 2, nothing applied) naming the file and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from unideploy.errors import ConfigError, SourceLocation

METADATA_KEY = "sops"
KEY_HINT = (
    "set SOPS_AGE_KEY_FILE to the age key file (or SOPS_AGE_KEY to the key itself) "
    "holding a private key for one of the file's recipients"
)


class SopsError(ConfigError):
    """An encrypted file that cannot be read: no key, a wrong key, a failed MAC, a broken file."""

    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, location=SourceLocation(path, 1, 1))


def is_encrypted(document: Any) -> bool:
    """True for a document written by `sops encrypt` (a top-level `sops` block with a `mac`)."""
    if not isinstance(document, Mapping):
        return False
    meta = document.get(METADATA_KEY)
    return isinstance(meta, Mapping) and "mac" in meta and "lastmodified" in meta


class Decryptor(Protocol):
    """Turns an encrypted document into its clear tree, without writing anything to disk."""

    name: str

    def decrypt(self, path: Path, document: Mapping[str, Any], shown: str) -> dict[str, Any]:
        """The clear tree of `document` (read from `path`, named `shown` in messages)."""
        ...

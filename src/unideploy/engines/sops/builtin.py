"""Decrypt (and, for GitOps renderings, encrypt) SOPS files in process: age via pyrage, AES-GCM.

Covers files whose data key is wrapped for age recipients (top-level `age` or one key group).
Anything else (KMS, PGP, Vault, Shamir over several groups, comment-driven rules) is refused with a
hint to let the `sops` binary read it. The clear tree never leaves memory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage

from unideploy.engines.sops.contract import KEY_HINT, METADATA_KEY, SopsError
from unideploy.engines.sops.keys import age_identities
from unideploy.engines.sops.tree import (
    FormatError,
    Rules,
    decrypt_tree,
    decrypt_value,
    encrypt_tree,
    encrypt_value,
)

#: The sops release whose file format this module writes and was tested against.
FORMAT_VERSION = "3.13.3"
_UNSUPPORTED = ("encrypted_comment_regex", "unencrypted_comment_regex")


def age_stanzas(meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The `{recipient, enc}` entries of a sops metadata block (top level or one key group)."""
    stanzas = list(meta.get("age") or [])
    groups = meta.get("key_groups") or []
    if len(groups) > 1:
        return []
    for group in groups:
        stanzas += list(group.get("age") or [])
    return [s for s in stanzas if isinstance(s, Mapping) and "enc" in s]


def lastmodified_text(value: Any) -> str:
    """`lastmodified` as sops formats it for the MAC's additional data (RFC 3339, seconds)."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


class BuiltinDecryptor:
    """The in-process reader: pyrage for the age-wrapped data key, `cryptography` for AES-GCM."""

    name = "builtin"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env

    def decrypt(self, path: Path, document: Mapping[str, Any], shown: str) -> dict[str, Any]:
        """The clear tree of `document`; SopsError when it cannot be opened or authenticated."""
        meta = document[METADATA_KEY]
        for field in _UNSUPPORTED:
            if meta.get(field):
                raise SopsError(
                    f"{shown}: {field} is not read in process",
                    path=shown,
                    hint="install sops (scripts/setup/install-tools.sh) to read this file",
                )
        stanzas = age_stanzas(meta)
        if not stanzas:
            raise SopsError(
                f"{shown}: the data key is not wrapped for an age recipient",
                path=shown,
                hint="install sops (scripts/setup/install-tools.sh) to read KMS/PGP/Vault files",
            )
        key = self._data_key(stanzas, shown)
        body = {k: v for k, v in document.items() if k != METADATA_KEY}
        rules = Rules.from_metadata(meta)
        try:
            clear, computed = decrypt_tree(body, key, rules)
            stored, _ = decrypt_value(
                str(meta["mac"]), key, lastmodified_text(meta["lastmodified"])
            )
        except FormatError as exc:
            raise SopsError(
                f"{shown}: {exc}",
                path=shown,
                hint="re-encrypt the file with `unideploy secrets encrypt` or restore it from git",
            ) from None
        if stored != computed:
            raise SopsError(
                f"{shown}: MAC mismatch: the file was changed after it was encrypted",
                path=shown,
                hint="edit encrypted files with `unideploy secrets edit`, or restore it from git",
            )
        return clear

    def _data_key(self, stanzas: Sequence[Mapping[str, Any]], shown: str) -> bytes:
        identities = age_identities(self._env)
        if not identities:
            raise SopsError(f"{shown}: no age key to decrypt it with", path=shown, hint=KEY_HINT)
        for stanza in stanzas:
            try:
                key = pyrage.decrypt(str(stanza["enc"]).encode(), identities)
            except pyrage.DecryptError:
                continue
            if len(key) == 32:
                return bytes(key)
        recipients = ", ".join(str(s.get("recipient", "?")) for s in stanzas)
        raise SopsError(
            f"{shown}: none of the age keys given opens it (recipients: {recipients})",
            path=shown,
            hint=KEY_HINT,
        )


def encrypt_document(
    tree: Mapping[str, Any], recipients: Sequence[str], rules: Rules, now: datetime
) -> dict[str, Any]:
    """`tree` encrypted as `sops encrypt` writes it, for age `recipients` (age1...)."""
    if not recipients:
        raise SopsError("no age recipient to encrypt for", path="(render)", hint=KEY_HINT)
    key = os.urandom(32)
    sealed, mac = encrypt_tree(tree, key, rules)
    stamp = lastmodified_text(now)
    stanzas = [
        {
            "recipient": recipient,
            "enc": pyrage.encrypt(key, [pyrage.x25519.Recipient.from_str(recipient)], armored=True)
            .decode()
            .strip()
            + "\n",
        }
        for recipient in recipients
    ]
    meta: dict[str, Any] = {"age": stanzas, "lastmodified": stamp}
    meta["mac"] = encrypt_value(mac, key, stamp)
    meta.update(rules.to_metadata())
    meta["version"] = FORMAT_VERSION
    return {**sealed, METADATA_KEY: meta}


def recipients_of(document: Mapping[str, Any]) -> list[str]:
    """The age recipients an encrypted document was written for."""
    return [str(s["recipient"]) for s in age_stanzas(document[METADATA_KEY]) if "recipient" in s]

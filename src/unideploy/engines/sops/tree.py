"""The SOPS file format, value by value: AES-256-GCM leaves, which paths are encrypted, the MAC.

Mirrors getsops/sops (sops.go, aes/cipher.go): each leaf is `ENC[AES256_GCM,data:,iv:,tag:,type:]`
sealed with the 32-byte data key and the leaf's path (`a:b:c:`) as additional data; lists do not
add to the path; the MAC is SHA-512 over every leaf's clear bytes in document order (only the
encrypted ones with `mac_only_encrypted`), upper-case hex, itself sealed with `lastmodified` as
additional data. Pure functions: no files, no keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_ENC = re.compile(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
TAG_BYTES = 16
IV_BYTES = 32
#: sops seeds the MAC with these bytes when `mac_only_encrypted` is set.
MAC_ONLY_ENCRYPTED_INIT = bytes.fromhex(
    "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69"
)


class FormatError(ValueError):
    """A leaf or the metadata does not follow the SOPS format (or does not authenticate)."""


@dataclass(frozen=True)
class Rules:
    """Which leaves are encrypted (the metadata's suffix/regex fields) and what the MAC covers."""

    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    mac_only_encrypted: bool = False

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> Rules:
        """The rules a sops metadata block records."""
        return cls(
            str(meta.get("unencrypted_suffix") or ""),
            str(meta.get("encrypted_suffix") or ""),
            str(meta.get("unencrypted_regex") or ""),
            str(meta.get("encrypted_regex") or ""),
            bool(meta.get("mac_only_encrypted") or False),
        )

    def encrypted(self, path: tuple[str, ...]) -> bool:
        """Sops' shouldBeEncrypted for a value (comments are not part of a loaded tree)."""
        result = True
        if self.unencrypted_suffix and any(p.endswith(self.unencrypted_suffix) for p in path):
            result = False
        if self.encrypted_suffix:
            result = any(p.endswith(self.encrypted_suffix) for p in path)
        if self.unencrypted_regex and any(re.search(self.unencrypted_regex, p) for p in path):
            result = False
        if self.encrypted_regex:
            result = any(re.search(self.encrypted_regex, p) for p in path)
        return result

    def to_metadata(self) -> dict[str, Any]:
        """The metadata fields sops writes for these rules (empty ones left out)."""
        fields: dict[str, Any] = {
            "unencrypted_suffix": self.unencrypted_suffix,
            "encrypted_suffix": self.encrypted_suffix,
            "unencrypted_regex": self.unencrypted_regex,
            "encrypted_regex": self.encrypted_regex,
        }
        out = {key: value for key, value in fields.items() if value}
        if self.mac_only_encrypted:
            out["mac_only_encrypted"] = True
        return out


def go_bytes(value: Any) -> bytes:
    """Sops' ToBytes: what a clear leaf contributes to the MAC."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.encode()
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError("an encrypted value is not valid base64") from exc


def decrypt_value(text: str, key: bytes, aad: str) -> tuple[Any, bytes]:
    """(clear value, its MAC bytes) of one `ENC[...]` leaf; an empty string stays empty."""
    if text == "":
        return "", b""
    match = _ENC.match(text)
    if not match:
        raise FormatError("a value that should be encrypted is not in ENC[AES256_GCM,...] form")
    data, iv, tag, kind = (match.group(i) for i in range(1, 5))
    try:
        clear = AESGCM(key).decrypt(_b64(iv), _b64(data) + _b64(tag), aad.encode())
    except InvalidTag as exc:
        raise FormatError(
            "a value does not authenticate (wrong key, or the file was altered)"
        ) from exc
    value: Any
    if kind == "str":
        value = clear.decode()
    elif kind == "int":
        value = int(clear.decode())
    elif kind == "float":
        value = float(clear.decode())
    elif kind == "bool":
        value = clear.decode().lower() in ("1", "t", "true")
    elif kind == "bytes":
        value = clear
    else:
        raise FormatError(f"unsupported encrypted value type {kind!r}")
    return value, go_bytes(value)


def encrypt_value(value: Any, key: bytes, aad: str) -> str:
    """One leaf sealed as sops does (a fresh 32-byte IV each time)."""
    if value == "" or value == b"":
        return ""
    if isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, int):
        kind = "int"
    elif isinstance(value, float):
        kind = "float"
    elif isinstance(value, bytes):
        kind = "bytes"
    else:
        kind = "str"
    iv = os.urandom(IV_BYTES)
    sealed = AESGCM(key).encrypt(iv, go_bytes(value), aad.encode())
    data, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    parts = [base64.b64encode(part).decode() for part in (data, iv, tag)]
    return f"ENC[AES256_GCM,data:{parts[0]},iv:{parts[1]},tag:{parts[2]},type:{kind}]"


Leaf = Callable[[Any, tuple[str, ...], bool], Any]


def walk(tree: Any, rules: Rules, leaf: Leaf, path: tuple[str, ...] = ()) -> Any:
    """A copy of `tree` with `leaf(value, path, encrypted)` applied to each leaf, in order."""
    if isinstance(tree, Mapping):
        return {key: walk(value, rules, leaf, (*path, str(key))) for key, value in tree.items()}
    if isinstance(tree, list | tuple):
        return [walk(item, rules, leaf, path) for item in tree]
    if tree is None:
        return None
    return leaf(tree, path, rules.encrypted(path))


def aad(path: tuple[str, ...]) -> str:
    """The additional data of a leaf: its keys joined by `:`, with a trailing `:`."""
    return ":".join(path) + ":"


def mac_hasher(rules: Rules) -> Any:
    """A SHA-512 hasher seeded as sops seeds it for these rules."""
    hasher = hashlib.sha512()
    if rules.mac_only_encrypted:
        hasher.update(MAC_ONLY_ENCRYPTED_INIT)
    return hasher


def decrypt_tree(tree: Mapping[str, Any], key: bytes, rules: Rules) -> tuple[dict[str, Any], str]:
    """(clear tree, MAC as sops computes it) of a document without its `sops` block."""
    hasher = mac_hasher(rules)

    def leaf(value: Any, path: tuple[str, ...], encrypted: bool) -> Any:
        if encrypted:
            if not isinstance(value, str):
                raise FormatError(f"{'.'.join(path)}: an encrypted value must be a string")
            clear, mac_bytes = decrypt_value(value, key, aad(path))
            hasher.update(mac_bytes)
            return clear
        if not rules.mac_only_encrypted:
            hasher.update(go_bytes(value))
        return value

    clear = walk(tree, rules, leaf)
    return clear, hasher.hexdigest().upper()


def encrypt_tree(tree: Mapping[str, Any], key: bytes, rules: Rules) -> tuple[dict[str, Any], str]:
    """(encrypted tree, clear MAC) — the inverse of `decrypt_tree`."""
    hasher = mac_hasher(rules)

    def leaf(value: Any, path: tuple[str, ...], encrypted: bool) -> Any:
        if encrypted or not rules.mac_only_encrypted:
            hasher.update(go_bytes(value))
        return encrypt_value(value, key, aad(path)) if encrypted else value

    sealed = walk(tree, rules, leaf)
    return sealed, hasher.hexdigest().upper()

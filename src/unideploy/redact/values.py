"""Typed secret values: what a decrypted SOPS leaf becomes the moment it is read.

`SecretStr`, `SecretInt` and `SecretFloat` behave as the plain values they wrap (Helm's JSON bridge
gets the clear value, in memory), but their `repr` is `***`, a safe YAML dump refuses them and
`split` separates them from the public values for the GitOps renderings. Booleans and nulls carry
no secret worth the name and stay plain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unideploy.redact.registry import REDACTED, redact, register


class SecretStr(str):
    """A string decrypted from an encrypted values file."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(REDACTED)


class SecretInt(int):
    """An integer decrypted from an encrypted values file."""

    __slots__ = ()

    def __repr__(self) -> str:
        return REDACTED


class SecretFloat(float):
    """A float decrypted from an encrypted values file."""

    __slots__ = ()

    def __repr__(self) -> str:
        return REDACTED


SECRET_TYPES = (SecretStr, SecretInt, SecretFloat)


def secret(value: Any) -> Any:
    """`value` typed as a secret and registered for redaction (bool and None stay plain)."""
    if isinstance(value, SECRET_TYPES) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        register(value)
        return SecretStr(value)
    if isinstance(value, int):
        register(str(value))
        return SecretInt(value)
    if isinstance(value, float):
        register(repr(value))
        return SecretFloat(value)
    return value


def is_secret(value: Any) -> bool:
    """True for a value typed as a secret."""
    return isinstance(value, SECRET_TYPES)


def contains_secret(tree: Any) -> bool:
    """True when any leaf of `tree` is a secret."""
    if isinstance(tree, Mapping):
        return any(contains_secret(value) for value in tree.values())
    if isinstance(tree, list | tuple):
        return any(contains_secret(item) for item in tree)
    return is_secret(tree)


def split(tree: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public, secret): the same shape cut in two; lists holding a secret go whole to `secret`."""
    public: dict[str, Any] = {}
    hidden: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            pub, sec = split(value)
            if pub or not sec:
                public[key] = pub
            if sec:
                hidden[key] = sec
        elif contains_secret(value):
            hidden[key] = value
        else:
            public[key] = value
    return public, hidden


def plain(tree: Any) -> Any:
    """`tree` with secrets made plain values again (only for encryption or in-memory use)."""
    if isinstance(tree, Mapping):
        return {key: plain(value) for key, value in tree.items()}
    if isinstance(tree, list | tuple):
        return [plain(item) for item in tree]
    if isinstance(tree, SecretStr):
        return str.__str__(tree)
    if isinstance(tree, SecretInt):
        return int(tree)
    if isinstance(tree, SecretFloat):
        return float(tree)
    return tree


def secret_texts(tree: Any) -> list[str]:
    """The text of every secret leaf of `tree` (for messages that must not quote them)."""
    if isinstance(tree, Mapping):
        return [text for value in tree.values() for text in secret_texts(value)]
    if isinstance(tree, list | tuple):
        return [text for item in tree for text in secret_texts(item)]
    if isinstance(tree, SecretStr):
        return [str.__str__(tree)]
    if isinstance(tree, SecretInt | SecretFloat):
        return [str(plain(tree))]
    return []


def redacted(tree: Any) -> Any:
    """A copy of JSON-shaped `tree` fit to be written (history, audit log, run mirror).

    Secret leaves and registered secrets in strings (keys included) become `***`; the structure
    stays valid whatever the secret, which redacting the serialized text would not promise.
    """
    # A run record holds thousands of leaves: plain strings and scalars are told by exact type
    # (Secret* subclass str, int and float, so they never match), and a dict before the
    # isinstance against Mapping, which goes through the ABC machinery.
    kind = type(tree)
    if kind is str:
        return redact(tree)
    if kind in _PLAIN_SCALARS:
        return tree
    if isinstance(tree, list | tuple):
        return [redacted(item) for item in tree]
    if kind is dict or isinstance(tree, Mapping):
        return {redacted(key): redacted(value) for key, value in tree.items()}
    if isinstance(tree, SECRET_TYPES):
        return REDACTED
    if isinstance(tree, str):
        return redact(tree)
    return tree


_PLAIN_SCALARS = frozenset({int, float, bool, type(None)})

"""The process-wide set of secret strings, and the one function that hides them in text.

Each registered secret is hidden in the forms it takes on the way out: as written, base64-encoded
(a Secret's `data`), JSON-escaped and YAML-quoted. Strings shorter than `MIN_LENGTH` are too
common to hide without hiding unrelated text; they stay typed as secrets but are not searched for.
"""

from __future__ import annotations

import base64
import json
import threading

REDACTED = "***"
MIN_LENGTH = 4

_lock = threading.Lock()
_forms: set[str] = set()
_ordered: tuple[str, ...] = ()


def _variants(secret: str) -> set[str]:
    raw = secret.encode()
    forms = {secret, json.dumps(secret)[1:-1], secret.replace("'", "''")}
    forms.add(base64.b64encode(raw).decode())
    for prefix in (b"", b"x", b"xy"):
        # A secret inside a longer base64 blob appears in one of three alignments; only the
        # whole encoded groups are searched for, so the blob's neighbouring bytes do not matter.
        encoded = base64.b64encode(prefix + raw).decode()
        start = (len(prefix) * 4 + 2) // 3
        start = ((start + 3) // 4) * 4
        usable = (len(prefix) + len(raw)) // 3 * 4
        if usable - start >= 8:
            forms.add(encoded[start:usable])
    return {form for form in forms if len(form) >= MIN_LENGTH}


def register(secret: str) -> None:
    """Hide `secret` (and its encoded forms) in everything `redact` sees from now on."""
    global _ordered
    if len(secret) < MIN_LENGTH:
        return
    with _lock:
        before = len(_forms)
        _forms.update(_variants(secret))
        if len(_forms) != before:
            _ordered = tuple(sorted(_forms, key=len, reverse=True))


def registered() -> bool:
    """True once any secret was registered (writers may skip work before that)."""
    return bool(_ordered)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***`."""
    for form in _ordered:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def redact_bytes(data: bytes) -> bytes:
    """`redact` for UTF-8 bytes (undecodable bytes are kept as they are)."""
    if not _ordered:
        return data
    return redact(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def forget_all() -> None:
    """Clear the registry (tests that start a fresh run in one process)."""
    global _ordered
    with _lock:
        _forms.clear()
        _ordered = ()

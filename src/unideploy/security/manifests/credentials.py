"""Telling credentials from settings in literal values (env vars, ConfigMap data).

Used by UD-K8S-040 (ConfigMaps) and UD-K8S-041 (container env). Signals: a key named like a
credential holding a literal value (not a reference, path, flag or placeholder), a PEM private
key, a URL with a password, and a random-looking token (known prefix, or high entropy). Each
returns a short reason; the value itself is never part of it.
"""

from __future__ import annotations

import math
import re
from collections import Counter

CREDENTIAL_WORD = re.compile(
    r"passw(or)?d|passwd|pwd|secret|token|api[_.-]?key|private[_.-]?key|access[_.-]?key"
    r"|credential|auth[_.-]?key|session[_.-]?key|signing[_.-]?key|encryption[_.-]?key",
    re.I,
)
# A last word that makes the key about the credential, not the credential itself.
NOT_THE_VALUE = frozenset(
    {"file", "path", "dir", "name", "ref", "url", "uri", "endpoint", "ttl", "timeout", "expiry"}
    | {"expiration", "length", "header", "enabled", "enable", "type", "mode", "policy", "id"}
    | {"secs", "seconds", "duration", "lifetime", "algorithm", "format", "prefix", "location"}
    | {"key_id", "keyid", "field", "env", "var", "mount", "store", "provider", "issuer"}
)
PEM_PRIVATE = re.compile(
    r"-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----"
)
KNOWN_TOKEN = re.compile(
    r"^(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|glpat-[A-Za-z0-9_-]{20,})$"
)
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@", re.I)
PLACEHOLDER = re.compile(r"^(\$\(.*\)|\$\{.*\}|\{\{.*\}\}|%\(.*\)s?|<.*>)$")
TOKENISH = re.compile(r"^[A-Za-z0-9+/=_.~-]{20,}$")
HEX = re.compile(r"^[0-9a-fA-F]{32,}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
SETTING_LINE = re.compile(r"^\s*[\"']?([A-Za-z0-9_.\-]+)[\"']?\s*[:=]\s*(.*?)\s*,?\s*$")
WORDLIKE = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{3,}")
FLAGS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "none", "~"})


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[_.\-\s]+", spaced.lower()) if w]


def credential_name(name: str) -> bool:
    """True when a key names a credential itself (`DB_PASSWORD`, not `DB_PASSWORD_FILE`)."""
    if not CREDENTIAL_WORD.search(name):
        return False
    words = _words(name)
    return not words or words[-1] not in NOT_THE_VALUE


def literal(value: str) -> bool:
    """True for a value that is the thing itself, not a reference, path, flag or placeholder."""
    text = value.strip().strip("\"'")
    if not text or text.lower() in FLAGS or PLACEHOLDER.match(text):
        return False
    return not text.startswith(("/", "file:", "vault:", "secret:", "ref+"))


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def random_looking(value: str) -> str:
    """A reason when one token looks like a secret by its shape alone, else ""."""
    text = value.strip()
    if KNOWN_TOKEN.match(text):
        return "has the shape of a known access token"
    if UUID.match(text):
        return ""
    if HEX.match(text):
        return "is a high-entropy hex string" if entropy(text) >= 3.3 else ""
    if not TOKENISH.match(text):
        return ""
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[+/=_~-]"))
    if classes < 3 or not re.search(r"[0-9]", text):
        return ""
    wordy = sum(len(m.group()) for m in WORDLIKE.finditer(text))
    if wordy * 2 >= len(text):
        return ""
    threshold = min(4.3, math.log2(len(text)) - 0.7)
    return "is a high-entropy string" if entropy(text) >= threshold else ""


def value_reason(value: str) -> str:
    """Why a value looks like a credential whatever its key is called, else ""."""
    if PEM_PRIVATE.search(value):
        return "holds a PEM private key"
    match = URL_WITH_PASSWORD.search(value)
    if match and literal(match.group(1)):
        return "holds a URL with a password in it"
    if "\n" in value.strip():
        return ""
    return random_looking(value)


def reason(key: str, value: object) -> str:
    """Why `key: value` looks like a credential, else ""; the value is never part of the text."""
    if value is None or isinstance(value, bool | int | float | dict | list):
        return ""
    text = str(value)
    found = value_reason(text)
    if found:
        return found
    if credential_name(key) and "\n" not in text.strip() and literal(text):
        return "is named like a credential and holds a literal value"
    if "\n" in text.strip():
        for number, line in enumerate(text.splitlines(), start=1):
            setting = SETTING_LINE.match(line)
            if setting and credential_name(setting.group(1)) and literal(setting.group(2)):
                return f"sets {setting.group(1)} to a literal value (line {number} of the value)"
    return ""

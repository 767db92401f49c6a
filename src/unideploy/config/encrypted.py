"""Read a values file that may be SOPS-encrypted: its leaves come back typed as secrets.

Every values file (`releases[].values`, `environments.*.values`, `--values`) goes through
`read_values_file`. A plain file is returned as read; an encrypted one is decrypted in memory (see
engines/sops) and each leaf sops encrypted becomes a `SecretStr`/`SecretInt`/`SecretFloat`,
registered for redaction before anything else sees it. Line numbers are those of the encrypted
file, which keeps the clear file's shape.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unideploy.config.stack import Stack
from unideploy.config.yamlsafe import Positions, load_yaml_file
from unideploy.engines.sops.contract import METADATA_KEY, is_encrypted
from unideploy.redact.values import secret

_cache: dict[tuple[str, int, int], Any] = {}
_lock = threading.Lock()


def read_values_file(path: Path, shown: str | None = None) -> tuple[Any, Positions]:
    """(data, positions) of a values file, decrypted when sops wrote it."""
    data, positions = load_yaml_file(path, shown)
    if not is_encrypted(data):
        return data, positions
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(key)
    if cached is None:
        # age and AES-GCM (cryptography) are imported only when an encrypted file is read
        from unideploy.engines.sops.select import decryptor
        from unideploy.engines.sops.tree import Rules, walk

        clear = decryptor().decrypt(path, data, shown or str(path))
        rules = Rules.from_metadata(data[METADATA_KEY])
        cached = walk(clear, rules, lambda value, _path, enc: secret(value) if enc else value)
        with _lock:
            _cache[key] = cached
    return cached, positions


def encrypted_file(path: Path) -> bool:
    """True when `path` is a SOPS-encrypted YAML/JSON file (read without decrypting)."""
    data, _ = load_yaml_file(path, str(path))
    return is_encrypted(data)


def age_recipients(paths: Sequence[Path]) -> list[str]:
    """The age recipients the encrypted files among `paths` were written for (in order, once)."""
    found: list[str] = []
    for path in paths:
        if not path.is_file():
            continue
        data, _ = load_yaml_file(path, str(path))
        if is_encrypted(data):
            from unideploy.engines.sops.builtin import recipients_of

            found += [r for r in recipients_of(data) if r not in found]
    return found


def values_files(stack: Stack, environment: str, extra: Sequence[Path] = ()) -> list[Path]:
    """Every values file one environment reads: its own, each release's, then `--values`."""
    paths = [stack.resolve(name) for name in stack.environment_values_files(environment)]
    for release in stack.file.releases:
        paths += [stack.resolve(entry) for entry in release.values if isinstance(entry, str)]
    return [*paths, *extra]

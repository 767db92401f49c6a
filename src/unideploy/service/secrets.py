"""The `secrets` use cases: encrypt, decrypt and edit a values file with SOPS (age recipients).

`.sops.yaml` is looked for from the file's directory upwards, as sops does from its working
directory, and given to sops with `--config`. Without the sops binary, encrypt and decrypt run in
process (encrypt reads the creation rules itself: path_regex, age, and the suffix/regex fields);
edit needs the binary, which keeps its clear copy to itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from unideploy.config.yamlsafe import load_yaml_file
from unideploy.engines.sops import binary as sops_binary
from unideploy.engines.sops.builtin import BuiltinDecryptor, encrypt_document
from unideploy.engines.sops.contract import is_encrypted
from unideploy.engines.sops.tree import Rules
from unideploy.errors import ConfigError

CONFIG_NAME = ".sops.yaml"
_RULE_FIELDS = (
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
    "mac_only_encrypted",
)


@dataclass(frozen=True)
class CreationRule:
    """The first `.sops.yaml` creation rule matching a file: its age recipients and its rules."""

    recipients: tuple[str, ...]
    rules: Rules


def find_config(path: Path) -> Path | None:
    """The nearest `.sops.yaml` from `path`'s directory upwards."""
    for directory in [path.resolve().parent, *path.resolve().parent.parents]:
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def creation_rule(path: Path, config: Path) -> CreationRule:
    """The creation rule of `config` that applies to `path` (sops: the first match wins)."""
    data, _ = load_yaml_file(config, str(config))
    rules = (data or {}).get("creation_rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise ConfigError(f"{config}: no creation_rules list", hint="see the sops documentation")
    relative = (
        str(path.resolve().relative_to(config.parent))
        if path.resolve().is_relative_to(config.parent)
        else str(path)
    )
    for rule in rules:
        pattern = str(rule.get("path_regex") or "")
        if pattern and not (re.search(pattern, relative) or re.search(pattern, str(path))):
            continue
        age = rule.get("age") or []
        recipients = age.split(",") if isinstance(age, str) else [str(a) for a in age]
        fields: dict[str, Any] = {key: rule.get(key) for key in _RULE_FIELDS if rule.get(key)}
        return CreationRule(tuple(r.strip() for r in recipients if r.strip()), Rules(**fields))
    raise ConfigError(
        f"no creation rule of {config} matches {relative}",
        hint="add a creation rule whose path_regex matches the file",
    )


def encrypt(path: Path, now: datetime | None = None) -> str:
    """Encrypt `path` in place; returns which implementation did it."""
    _exists(path)
    data, _ = load_yaml_file(path, str(path))
    if is_encrypted(data):
        raise ConfigError(f"{path} is already encrypted", hint="use `unideploy secrets edit`")
    config = find_config(path)
    binary = sops_binary.find_sops()
    if binary:
        sops_binary.encrypt_in_place(binary, path, config, path.resolve().parent)
        return "sops"
    if config is None:
        raise ConfigError(
            f"no {CONFIG_NAME} above {path} says whom to encrypt for",
            hint=f"write a {CONFIG_NAME} with creation_rules (path_regex, age), or install sops",
        )
    rule = creation_rule(path, config)
    if not rule.recipients:
        raise ConfigError(
            f"the creation rule for {path} in {config} has no age recipient",
            hint="only age recipients are encrypted for in process; install sops for others",
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping to be encrypted")
    document = encrypt_document(data, rule.recipients, rule.rules, now or datetime.now(UTC))
    dumped = (
        _json(document)
        if path.suffix.lower() == ".json"
        else yaml.safe_dump(document, sort_keys=False)
    )
    path.write_text(dumped, encoding="utf-8")
    return "builtin"


def decrypt(path: Path) -> str:
    """The clear text of `path` (the command prints it: the user asked for it)."""
    _exists(path)
    data, _ = load_yaml_file(path, str(path))
    if not is_encrypted(data):
        raise ConfigError(f"{path} is not encrypted with sops")
    binary = sops_binary.find_sops()
    if binary:
        return sops_binary.decrypt_to_stdout(binary, path)
    clear = BuiltinDecryptor().decrypt(path, data, str(path))
    return (
        _json(clear) if path.suffix.lower() == ".json" else yaml.safe_dump(clear, sort_keys=False)
    )


def edit(path: Path) -> int:
    """Open `path` in $EDITOR through `sops edit` (a new file is created encrypted)."""
    binary = sops_binary.find_sops()
    if not binary:
        raise ConfigError(
            "`secrets edit` needs the sops binary",
            hint="run scripts/setup/install-tools.sh (or put sops on PATH, or set "
            "UNIDEPLOY_SOPS_BIN)",
        )
    return sops_binary.edit(binary, path, find_config(path), path.resolve().parent)


def _exists(path: Path) -> None:
    if not path.is_file():
        raise ConfigError(f"{path} does not exist", hint="check the path")


def _json(data: Any) -> str:
    return json.dumps(data, indent=4) + "\n"

"""Files written by the real sops (age) are read in process and through the binary, alike.

The clear trees are compared with what `sops decrypt` itself prints; a changed file (MAC), a
missing key and a wrong key are configuration errors (exit 2) that name the file and the fix.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from tests.support.sops_tools import AgeKey, age_key, sops_decrypt_json, sops_encrypt, tool

from unideploy.config.encrypted import read_values_file
from unideploy.config.yamlsafe import load_yaml_file
from unideploy.engines.sops.binary import BinaryDecryptor
from unideploy.engines.sops.builtin import BuiltinDecryptor, encrypt_document
from unideploy.engines.sops.contract import SopsError
from unideploy.engines.sops.tree import Rules
from unideploy.exitcodes import ExitCode
from unideploy.redact.values import SecretInt, SecretStr

CLEAR = """\
database:
  password: s3cr3t-Pa55word
  port: 5432
  ratio: 0.25
  enabled: true
users: [alice, {name: bob, token: tok-123456}]
empty: ""
note_unencrypted: visible on purpose
"""


@pytest.fixture
def key(tmp_path: Path) -> AgeKey:
    return age_key(tmp_path)


@pytest.fixture
def encrypted(tmp_path: Path, key: AgeKey) -> Path:
    clear = tmp_path / "clear.yaml"
    clear.write_text(CLEAR)
    return sops_encrypt(clear, tmp_path / "secrets.enc.yaml", key)


def _doc(path: Path) -> dict[str, object]:
    data, _ = load_yaml_file(path, path.name)
    assert isinstance(data, dict)
    return data


def test_builtin_reads_a_yaml_file_as_sops_decrypts_it(encrypted: Path, key: AgeKey) -> None:
    ours = BuiltinDecryptor(key.env()).decrypt(encrypted, _doc(encrypted), "secrets.enc.yaml")
    assert "ENC[AES256_GCM" in encrypted.read_text()
    assert ours == json.loads(sops_decrypt_json(encrypted, key))


def test_builtin_reads_a_json_file_as_sops_decrypts_it(tmp_path: Path, key: AgeKey) -> None:
    clear = tmp_path / "clear.json"
    clear.write_text(json.dumps(yaml.safe_load(CLEAR)))
    path = sops_encrypt(clear, tmp_path / "secrets.enc.json", key)
    ours = BuiltinDecryptor(key.env()).decrypt(path, _doc(path), path.name)
    assert ours == json.loads(sops_decrypt_json(path, key))


def test_builtin_honours_encrypted_regex_and_mac_only_encrypted(
    tmp_path: Path, key: AgeKey
) -> None:
    clear = tmp_path / "clear.yaml"
    clear.write_text(CLEAR)
    config = tmp_path / ".sops.yaml"
    config.write_text(
        "creation_rules:\n"
        f"  - age: {key.recipient}\n"
        "    encrypted_regex: ^(password|token)$\n"
        "    mac_only_encrypted: true\n"
    )
    path = sops_encrypt(clear, tmp_path / "part.enc.yaml", key, "--config", str(config))
    assert "mac_only_encrypted: true" in path.read_text()
    assert "visible on purpose" in path.read_text()
    ours = BuiltinDecryptor(key.env()).decrypt(path, _doc(path), path.name)
    assert ours == json.loads(sops_decrypt_json(path, key))


def test_binary_reads_the_same_tree(encrypted: Path, key: AgeKey) -> None:
    binary = BinaryDecryptor(tool("sops"), key.env())
    builtin = BuiltinDecryptor(key.env())
    doc = _doc(encrypted)
    assert binary.decrypt(encrypted, doc, "s") == builtin.decrypt(encrypted, doc, "s")


def test_a_changed_value_fails_the_mac_in_both_readers(encrypted: Path, key: AgeKey) -> None:
    text = encrypted.read_text().replace("visible on purpose", "changed by hand")
    encrypted.write_text(text)
    for reader in (BuiltinDecryptor(key.env()), BinaryDecryptor(tool("sops"), key.env())):
        with pytest.raises(SopsError) as caught:
            reader.decrypt(encrypted, _doc(encrypted), "secrets.enc.yaml")
        assert "mac mismatch" in caught.value.message.lower()
        assert caught.value.exit_code == ExitCode.CONFIG_ERROR
        assert caught.value.hint and "secrets edit" in caught.value.hint


def test_swapped_ciphertexts_do_not_authenticate(encrypted: Path, key: AgeKey) -> None:
    doc = _doc(encrypted)
    database = doc["database"]
    assert isinstance(database, dict)
    users = doc["users"]
    assert isinstance(users, list)
    database["password"], users[1]["token"] = users[1]["token"], database["password"]
    with pytest.raises(SopsError, match="does not authenticate"):
        BuiltinDecryptor(key.env()).decrypt(encrypted, doc, "secrets.enc.yaml")


def test_missing_and_wrong_keys_are_config_errors(
    encrypted: Path, key: AgeKey, tmp_path: Path
) -> None:
    nokey = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    with pytest.raises(SopsError, match="no age key") as caught:
        BuiltinDecryptor(nokey).decrypt(encrypted, _doc(encrypted), "secrets.enc.yaml")
    assert caught.value.hint and "SOPS_AGE_KEY_FILE" in caught.value.hint
    other = age_key(tmp_path, "other.txt")
    with pytest.raises(SopsError, match=key.recipient):
        BuiltinDecryptor(other.env()).decrypt(encrypted, _doc(encrypted), "secrets.enc.yaml")
    with pytest.raises(SopsError) as binary_caught:
        BinaryDecryptor(tool("sops"), nokey).decrypt(encrypted, _doc(encrypted), "x.yaml")
    assert binary_caught.value.exit_code == ExitCode.CONFIG_ERROR


def test_sops_age_key_holds_the_key_itself(encrypted: Path, key: AgeKey, tmp_path: Path) -> None:
    env = {"SOPS_AGE_KEY": key.path.read_text(), "HOME": str(tmp_path / "home")}
    ours = BuiltinDecryptor(env).decrypt(encrypted, _doc(encrypted), "s")
    assert ours == json.loads(sops_decrypt_json(encrypted, key))


def test_files_we_encrypt_are_read_by_sops(tmp_path: Path, key: AgeKey) -> None:
    tree = yaml.safe_load(CLEAR)
    rules = Rules(encrypted_regex="^(password|token)$")
    doc = encrypt_document(tree, [key.recipient], rules, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    path = tmp_path / "ours.enc.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert "s3cr3t-Pa55word" not in path.read_text()
    assert json.loads(sops_decrypt_json(path, key)) == tree


def test_values_file_leaves_are_typed_as_secrets(
    encrypted: Path, key: AgeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key.path))
    monkeypatch.setenv("UNIDEPLOY_SOPS", "builtin")
    data, positions = read_values_file(encrypted, "secrets.enc.yaml")
    assert isinstance(data["database"]["password"], SecretStr)
    assert isinstance(data["database"]["port"], SecretInt)
    assert repr(data["database"]["password"]) == "'***'"
    assert type(data["note_unencrypted"]) is str
    assert positions.locate(("database", "password")).line == 2

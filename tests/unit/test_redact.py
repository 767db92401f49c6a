"""Decrypted values are typed as secrets and hidden in every form they leave the process in."""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
from collections.abc import Iterator

import pytest
import yaml

from unideploy.redact.registry import forget_all, redact
from unideploy.redact.streams import RedactingFormatter, RedactingWriter
from unideploy.redact.values import SecretStr, plain, secret, secret_texts, split

CANARY = "canary-Zq81-secret"


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    forget_all()
    yield
    forget_all()


def test_a_secret_is_hidden_raw_base64_json_and_inside_a_larger_blob() -> None:
    value = secret(CANARY)
    assert isinstance(value, SecretStr)
    assert repr(value) == "'***'"
    assert json.dumps({"v": value}) == json.dumps({"v": CANARY})  # Helm's JSON bridge: the value
    for prefix in ("", "a", "ab", "password: "):
        blob = base64.b64encode(f"{prefix}{CANARY}\nother: x\n".encode()).decode()
        assert CANARY[:8] not in redact(f"x {CANARY} y")
        shown = redact(f"data: {blob}")
        # The canary's whole base64 groups (at this alignment) are gone from the blob.
        assert shown.count("***") == 1
        assert len(shown) <= len(f"data: {blob}") - len(CANARY) // 3 * 4 + 3 + 8
    assert redact(json.dumps({"a": CANARY + '"q'})).count("***") == 1


def test_copies_merges_and_splits_keep_the_type() -> None:
    tree = {"db": {"password": secret(CANARY), "host": "db"}, "n": 1}
    copied = copy.deepcopy(tree)
    assert isinstance(copied["db"]["password"], SecretStr)
    public, hidden = split(copied)
    assert public == {"db": {"host": "db"}, "n": 1}
    assert secret_texts(hidden) == [CANARY]
    assert type(plain(hidden)["db"]["password"]) is str
    with pytest.raises(yaml.representer.RepresenterError):
        yaml.safe_dump(tree)


def test_log_lines_and_terminal_writes_are_redacted() -> None:
    secret(CANARY)
    record = logging.LogRecord("t", logging.DEBUG, __file__, 1, "values %s", ({"p": CANARY},), None)
    assert CANARY not in RedactingFormatter("%(message)s").format(record)
    sink = io.StringIO()
    RedactingWriter(sink).write(f"password={CANARY}\n")
    assert sink.getvalue() == "password=***\n"

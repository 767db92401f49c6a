"""Telling credentials from settings: key names, literal values, PEM keys, high-entropy tokens."""

from __future__ import annotations

import pytest

from unideploy.security.manifests.credentials import credential_name, reason

TOKEN = "Zq8xM2vR7tLp0sQe4WnY9bKc1HdF6gJa"


@pytest.mark.parametrize(
    ("key", "value", "flagged"),
    [
        ("DB_PASSWORD", "hunter2", True),
        ("dbPassword", "hunter2", True),
        ("API_KEY", "abc", True),
        ("private_key", "x", True),
        ("DB_PASSWORD_FILE", "/run/secrets/db", False),
        ("DB_PASSWORD", "/run/secrets/db", False),
        ("API_TOKEN", "$(API_TOKEN)", False),
        ("API_TOKEN", "${API_TOKEN}", False),
        ("TOKEN_TTL", "3600", False),
        ("ENABLE_TOKEN_AUTH", "true", False),
        ("SECRET_NAME", "db-credentials", False),
        ("DB_PASSWORD", "", False),
        ("LOG_LEVEL", "info", False),
        ("WEBHOOK", TOKEN, True),
        ("GITHUB", "ghp_" + "a1B2" * 9, True),
        ("CLASS", "org.example.queue.MessageSerializer", False),
        ("REQUEST_ID", "550e8400-e29b-41d4-a716-446655440000", False),
        ("GREETING", "ThisIsMyConfigValue1", False),
        ("DATABASE_URL", "postgres://app:s3cret@db:5432/app", True),
        ("DATABASE_URL", "postgres://db:5432/app", False),
        ("tls.key", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", True),
        ("ca.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", False),
        ("app.yaml", "db:\n  password: hunter2\n", True),
        ("app.yaml", "db:\n  password: ${DB_PASSWORD}\n", False),
        ("replicas", 3, False),
    ],
)
def test_reason(key: str, value: object, flagged: bool) -> None:
    found = reason(key, value)
    assert bool(found) is flagged, found
    assert str(value) not in found or not flagged


def test_credential_name_reads_the_last_word() -> None:
    assert credential_name("CLIENT_SECRET")
    assert not credential_name("CLIENT_SECRET_PATH")
    assert not credential_name("HOSTNAME")

"""Certificate expiry: thresholds, PEM files, TLS Secrets, cert-manager Certificates, metrics."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.checks.tlskit import make_ca, make_leaf

from unideploy.errors import ConfigError
from unideploy.security.certs.expiry import (
    Status,
    Thresholds,
    check_certificate_resources,
    check_files,
    check_tls_secrets,
)
from unideploy.security.certs.metrics import prometheus_text, samples

pytestmark = pytest.mark.clock

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("certs")
    ca = make_ca(tmp, now=NOW)
    out = {"ca": ca.cert_path}
    for name, days in (("valid", 90.5), ("warn", 20.5), ("crit", 5.5), ("expired", -2.5)):
        out[name] = make_leaf(tmp, name, ca=ca, days_left=days, now=NOW).cert_path
    return out


@pytest.mark.parametrize(
    ("name", "status", "days"),
    [
        ("valid", Status.OK, 90),
        ("warn", Status.WARNING, 20),
        ("crit", Status.CRITICAL, 5),
        ("expired", Status.EXPIRED, -3),
    ],
)
def test_file_status_by_default_thresholds(
    certs: dict[str, Path], name: str, status: Status, days: int
) -> None:
    (result,) = check_files([certs[name]], now=NOW)
    assert result.status is status
    assert result.days_left == days
    doc = result.to_json()
    assert doc["status"] == status.value
    assert doc["source"] == str(certs[name])
    assert doc["subject"] == "CN=localhost"
    expected = NOW + timedelta(days=days + 0.5)
    assert datetime.fromisoformat(doc["not_after"]) == expected


def test_thresholds_are_configurable(certs: dict[str, Path]) -> None:
    (result,) = check_files([certs["warn"]], Thresholds(warn_days=10, critical_days=3), now=NOW)
    assert result.status is Status.OK
    (result,) = check_files([certs["valid"]], Thresholds(warn_days=120, critical_days=100), now=NOW)
    assert result.status is Status.CRITICAL


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match="critical threshold"):
        Thresholds(warn_days=5, critical_days=10)


def test_bundle_gives_one_result_per_certificate(certs: dict[str, Path], tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(certs["crit"].read_bytes() + certs["ca"].read_bytes())
    results = check_files([bundle], now=NOW)
    assert [r.source for r in results] == [f"{bundle}#1", f"{bundle}#2"]
    assert [r.status for r in results] == [Status.CRITICAL, Status.OK]


def test_unreadable_sources_are_error_results(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PRIVATE KEY-----\nnope\n")
    results = check_files([junk, tmp_path / "missing.pem"])
    assert [r.status for r in results] == [Status.ERROR, Status.ERROR]
    assert "no readable PEM certificate" in results[0].message
    assert "cannot read" in results[1].message
    assert results[0].to_json()["days_left"] is None


def test_tls_secrets_read_only_the_certificate(certs: dict[str, Path]) -> None:
    secret_key = "UNIQUE-KEY-MATERIAL-THAT-MUST-NOT-LEAK"
    secrets = [
        {
            "type": "kubernetes.io/tls",
            "metadata": {"namespace": "shop", "name": "web-tls"},
            "data": {
                "tls.crt": base64.b64encode(certs["warn"].read_bytes()).decode(),
                "tls.key": base64.b64encode(secret_key.encode()).decode(),
            },
        },
        {"type": "Opaque", "metadata": {"name": "other"}, "data": {}},
        {"type": "kubernetes.io/tls", "metadata": {"namespace": "shop", "name": "empty"}},
    ]
    results = check_tls_secrets(secrets, now=NOW)
    assert [(r.source, r.status) for r in results] == [
        ("secret/shop/web-tls", Status.WARNING),
        ("secret/shop/empty", Status.ERROR),
    ]
    assert secret_key not in repr([r.to_json() for r in results])


def test_cert_manager_certificates_not_ready_is_an_error() -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    resources = [
        {
            "metadata": {"namespace": "shop", "name": "web"},
            "spec": {"commonName": "shop.example.org", "issuerRef": {"name": "letsencrypt"}},
            "status": {
                "notAfter": "2026-12-01T00:00:00Z",
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        },
        {
            "metadata": {"namespace": "shop", "name": "api"},
            "status": {
                "conditions": [{"type": "Ready", "status": "False", "message": "order failed"}]
            },
        },
    ]
    results = check_certificate_resources(resources, now=now)
    assert [(r.source, r.status, r.days_left) for r in results] == [
        ("certificate/shop/web", Status.CRITICAL, 5),
        ("certificate/shop/api", Status.ERROR, None),
    ]
    assert results[1].message == "not Ready: order failed"


def test_metrics_follow_x509_exporter_names(certs: dict[str, Path], tmp_path: Path) -> None:
    now = NOW
    results = check_files([certs["expired"], certs["valid"], tmp_path / "gone.pem"], now=now)
    by_name: dict[str, list[float]] = {}
    for sample in samples(results, now):
        by_name.setdefault(sample.name, []).append(sample.value)
    assert by_name["x509_cert_expired"] == [1.0, 0.0]
    assert by_name["x509_cert_error"] == [0.0, 0.0, 1.0]
    expired_in, valid_in = by_name["x509_cert_expires_in_seconds"]
    assert expired_in < 0 < valid_in
    assert valid_in == 90.5 * 86400
    text = prometheus_text(results, now)
    assert "# TYPE x509_cert_not_after gauge" in text
    line = re.compile(r'^[a-z_0-9]+\{([a-zA-Z_]+="(?:[^"\\]|\\.)*",?)+\} -?[0-9.e+]+$')
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert body and all(line.match(ln) for ln in body), body
    assert f'x509_cert_error{{source_kind="file",source="{tmp_path / "gone.pem"}"}} 1' in text

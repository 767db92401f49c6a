"""TLS configuration checks against real servers on 127.0.0.1 (Python ssl and openssl s_server).

Every server is started here with certificates made by `cryptography`; one sslyze pass scans them
all (the scan is the slow part), and each test reads the result for its own server.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.checks.tlskit import (
    free_port,
    make_ca,
    make_leaf,
    make_sha1_leaf,
    openssl_server,
    server_context,
    tls_server,
)

from unideploy.engines.process import run
from unideploy.security.endpoints import Endpoint
from unideploy.security.manifests.registry import Severity
from unideploy.security.tls.check import check_tls
from unideploy.security.tls.judge import TlsOptions, TlsResult

pytestmark = [
    pytest.mark.clock,
    pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1 is deprecated:DeprecationWarning"),
]

MOZILLA_INTERMEDIATE = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
HSTS = "max-age=63072000; includeSubDomains"


@dataclass
class Scanned:
    intermediate: dict[str, TlsResult]
    modern: dict[str, TlsResult]
    legacy_tls_refused: str | None


def _openssl_allows_tls1(tmp: Path) -> str | None:
    """None when the local OpenSSL will speak TLS 1.0 at SECLEVEL=0, else its refusal."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    except (ssl.SSLError, ValueError) as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    tmp = tmp_path_factory.mktemp("tls")
    ca = make_ca(tmp)
    leaves = {
        "valid": make_leaf(tmp, "valid", ca=ca),
        "expiring-20": make_leaf(tmp, "expiring-20", ca=ca, days_left=20.5),
        "expiring-5": make_leaf(tmp, "expiring-5", ca=ca, days_left=5.5),
        "expired": make_leaf(tmp, "expired", ca=ca, days_left=-3),
        "wrong-host": make_leaf(tmp, "wrong-host", ca=ca, dns=("other.example",), ips=()),
        "self-signed": make_leaf(tmp, "self-signed", ca=None),
        "rsa-1024": make_leaf(tmp, "rsa-1024", ca=ca, rsa_bits=1024),
        "sha1": make_sha1_leaf(tmp, "sha1", ca=ca),
        "no-hsts": make_leaf(tmp, "no-hsts", ca=ca),
        "weak-openssl": make_leaf(tmp, "weak-openssl", ca=ca, rsa_bits=2048),
        "openssl-valid": make_leaf(tmp, "openssl-valid", ca=ca),
        "tls1": make_leaf(tmp, "tls1", ca=ca, rsa_bits=2048),
    }
    weak = "DEFAULT:@SECLEVEL=0"
    contexts = {
        "valid": server_context(leaves["valid"], ciphers=MOZILLA_INTERMEDIATE),
        "expiring-20": server_context(leaves["expiring-20"], ciphers=MOZILLA_INTERMEDIATE),
        "expiring-5": server_context(leaves["expiring-5"], ciphers=MOZILLA_INTERMEDIATE),
        "expired": server_context(leaves["expired"], ciphers=MOZILLA_INTERMEDIATE),
        "wrong-host": server_context(leaves["wrong-host"], ciphers=MOZILLA_INTERMEDIATE),
        "self-signed": server_context(leaves["self-signed"], ciphers=MOZILLA_INTERMEDIATE),
        "rsa-1024": server_context(leaves["rsa-1024"], ciphers=weak),
        "sha1": server_context(leaves["sha1"], ciphers=weak),
        "no-hsts": server_context(leaves["no-hsts"], ciphers=MOZILLA_INTERMEDIATE),
    }
    refused = _openssl_allows_tls1(tmp)
    if refused is None:
        contexts["tls1"] = server_context(
            leaves["tls1"], ciphers=weak, minimum=ssl.TLSVersion.TLSv1
        )
    names = {name: "localhost" for name in leaves}
    with ExitStack() as stack:
        ports = {
            name: stack.enter_context(tls_server(ctx, hsts=None if name == "no-hsts" else HSTS))
            for name, ctx in contexts.items()
        }
        ports["weak-openssl"] = stack.enter_context(
            openssl_server(
                leaves["weak-openssl"],
                "-tls1_2",
                "-cipher",
                "AES128-SHA:AES256-SHA:@SECLEVEL=0",
                log_dir=tmp,
            )
        )
        ports["openssl-valid"] = stack.enter_context(
            openssl_server(leaves["openssl-valid"], log_dir=tmp)
        )
        ports["closed"] = free_port()
        names["closed"] = "localhost"
        order = sorted(ports)
        endpoints = [Endpoint("127.0.0.1", ports[n], names[n]) for n in order]
        ca_file = ca.cert_path
        intermediate = check_tls(endpoints, TlsOptions(ca_file=ca_file, timeout=3))
        modern_names = ["valid"]
        modern = check_tls(
            [Endpoint("127.0.0.1", ports[n], "localhost") for n in modern_names],
            TlsOptions(ca_file=ca_file, profile="modern", timeout=3),
        )
        pinned = check_tls(
            [Endpoint("127.0.0.1", ports["self-signed"], "localhost")],
            TlsOptions(ca_file=leaves["self-signed"].cert_path, timeout=3),
        )
        untrusted = check_tls(
            [Endpoint("127.0.0.1", ports["valid"], "localhost")], TlsOptions(timeout=3)
        )
    results = dict(zip(order, intermediate, strict=True))
    results["self-signed-pinned"] = pinned[0]
    results["valid-without-ca-file"] = untrusted[0]
    yield Scanned(results, dict(zip(modern_names, modern, strict=True)), refused)


def ids(result: TlsResult) -> set[str]:
    return {issue.id for issue in result.issues}


def test_valid_endpoint_is_ok(scanned: Scanned) -> None:
    result = scanned.intermediate["valid"]
    assert result.ok, [i.message for i in result.issues]
    assert set(result.protocols) == {"TLSv1.2", "TLSv1.3"}
    assert result.trusted is True
    assert result.hostname_match is True
    doc = result.to_json()
    assert doc["certificate"]["key_type"] == "EC"
    assert doc["certificate"]["days_left"] in (59, 60)
    assert doc["hsts_max_age"] == 63072000


def test_modern_profile_refuses_tls12(scanned: Scanned) -> None:
    result = scanned.modern["valid"]
    assert not result.ok
    (issue,) = [i for i in result.issues if i.id == "UD-TLS-001"]
    assert issue.message == "TLSv1.2 is accepted"
    assert issue.severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("name", "severity", "days"),
    [("expiring-20", Severity.LOW, 20), ("expiring-5", Severity.HIGH, 5)],
)
def test_expiring_certificates_warn_then_go_critical(
    scanned: Scanned, name: str, severity: Severity, days: int
) -> None:
    result = scanned.intermediate[name]
    (issue,) = result.issues
    assert issue.id == "UD-TLS-008"
    assert issue.severity is severity
    assert issue.message == f"certificate expires in {days} days"


def test_expired_certificate_is_critical_but_chain_still_trusted(scanned: Scanned) -> None:
    result = scanned.intermediate["expired"]
    assert ids(result) == {"UD-TLS-007"}
    assert result.worst() is Severity.CRITICAL
    assert result.trusted is True
    assert result.to_json()["certificate"]["days_left"] < 0


def test_wrong_hostname(scanned: Scanned) -> None:
    result = scanned.intermediate["wrong-host"]
    assert ids(result) == {"UD-TLS-004"}
    assert result.hostname_match is False
    assert result.trusted is True


def test_self_signed_untrusted_unless_pinned(scanned: Scanned) -> None:
    assert ids(scanned.intermediate["self-signed"]) == {"UD-TLS-003"}
    assert scanned.intermediate["self-signed"].trusted is False
    pinned = scanned.intermediate["self-signed-pinned"]
    assert pinned.trusted is True
    assert pinned.ok


def test_private_ca_is_untrusted_without_ca_file(scanned: Scanned) -> None:
    result = scanned.intermediate["valid-without-ca-file"]
    assert result.trusted is False
    assert ids(result) == {"UD-TLS-003"}


def test_rsa_1024_key(scanned: Scanned) -> None:
    result = scanned.intermediate["rsa-1024"]
    assert "UD-TLS-005" in ids(result)
    cert = result.to_json()["certificate"]
    assert (cert["key_type"], cert["key_size"]) == ("RSA", 1024)


def test_sha1_signature(scanned: Scanned) -> None:
    result = scanned.intermediate["sha1"]
    assert "UD-TLS-006" in ids(result)
    assert result.to_json()["certificate"]["signature_algorithm"] == "sha1"


def test_missing_hsts(scanned: Scanned) -> None:
    result = scanned.intermediate["no-hsts"]
    assert ids(result) == {"UD-TLS-009"}
    assert result.hsts_max_age is None


def test_openssl_tls12_only_with_weak_ciphers(scanned: Scanned) -> None:
    result = scanned.intermediate["weak-openssl"]
    assert result.protocols == ("TLSv1.2",)
    weak = {i.message for i in result.issues if i.id == "UD-TLS-002"}
    assert "TLSv1.2 cipher TLS_RSA_WITH_AES_128_CBC_SHA is outside the profile" in weak
    assert all(i.severity is Severity.HIGH for i in result.issues if i.id == "UD-TLS-002")


def test_openssl_default_server_is_trusted_and_has_no_hsts(scanned: Scanned) -> None:
    result = scanned.intermediate["openssl-valid"]
    assert result.trusted is True
    assert result.hostname_match is True
    assert "TLSv1.3" in result.protocols
    assert "UD-TLS-009" in ids(result)  # s_server -www sends no HSTS header


def test_legacy_tls10(scanned: Scanned) -> None:
    if scanned.legacy_tls_refused is not None:
        # The local OpenSSL will not even configure TLS 1.0; assert that is what happened.
        assert "tls1" not in scanned.intermediate or not scanned.intermediate["tls1"].protocols
        return
    result = scanned.intermediate["tls1"]
    if "TLSv1" not in result.protocols:
        # Configured, but the handshake is refused at runtime: report what OpenSSL really does.
        version = run(["openssl", "version"]).stdout.strip()
        assert result.protocols, f"{version}: server spoke no protocol at all"
        assert "TLSv1" not in result.protocols
        return
    issues = {i.message: i.severity for i in result.issues if i.id == "UD-TLS-001"}
    assert issues["TLSv1 is accepted"] is Severity.HIGH


def test_closed_port_is_an_error_result(scanned: Scanned) -> None:
    result = scanned.intermediate["closed"]
    assert ids(result) == {"UD-TLS-011"}
    assert result.worst() is Severity.CRITICAL
    assert result.certificate is None

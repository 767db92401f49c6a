"""Certificate expiry read from live TLS servers on 127.0.0.1, weak certificates included."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
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

from unideploy.security.certs.expiry import CertResult, Status, check_endpoints
from unideploy.security.certs.metrics import samples
from unideploy.security.endpoints import Endpoint

pytestmark = pytest.mark.clock

WEAK = "DEFAULT:@SECLEVEL=0"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, CertResult]]:
    tmp: Path = tmp_path_factory.mktemp("expiry")
    ca = make_ca(tmp)
    plan = {
        "valid": (make_leaf(tmp, "valid", ca=ca, days_left=60.5), None),
        "warn": (make_leaf(tmp, "warn", ca=ca, days_left=20.5), None),
        "crit": (make_leaf(tmp, "crit", ca=ca, days_left=5.5), None),
        "expired": (make_leaf(tmp, "expired", ca=ca, days_left=-1.5), None),
        "rsa-1024": (make_leaf(tmp, "rsa-1024", ca=ca, rsa_bits=1024), WEAK),
        "sha1": (make_sha1_leaf(tmp, "sha1", ca=ca, days=60), WEAK),
    }
    with ExitStack() as stack:
        ports = {
            name: stack.enter_context(tls_server(server_context(leaf, ciphers=ciphers)))
            for name, (leaf, ciphers) in plan.items()
        }
        ports["openssl-warn"] = stack.enter_context(
            openssl_server(make_leaf(tmp, "ossl", ca=ca, days_left=25.5), log_dir=tmp)
        )
        ports["closed"] = free_port()
        names = sorted(ports)
        found = check_endpoints([Endpoint("127.0.0.1", ports[n], "localhost") for n in names])
    yield dict(zip(names, found, strict=True))


@pytest.mark.parametrize(
    ("name", "status", "days"),
    [
        ("valid", Status.OK, 60),
        ("warn", Status.WARNING, 20),
        ("crit", Status.CRITICAL, 5),
        ("expired", Status.EXPIRED, -2),
        ("rsa-1024", Status.OK, 59),
        ("sha1", Status.OK, 59),
        ("openssl-warn", Status.WARNING, 25),
    ],
)
def test_served_certificate_status(
    results: dict[str, CertResult], name: str, status: Status, days: int
) -> None:
    result = results[name]
    assert result.status is status, result.message
    assert result.days_left in (days, days + 1)
    assert result.kind == "endpoint"
    assert result.to_json()["subject"] == "CN=localhost"


def test_weak_certificates_are_still_read(results: dict[str, CertResult]) -> None:
    rsa = results["rsa-1024"].facts
    sha1 = results["sha1"].facts
    assert rsa is not None and (rsa.key_type, rsa.key_size) == ("RSA", 1024)
    assert sha1 is not None and sha1.signature_hash == "sha1"


def test_closed_port_is_an_error_with_metric(results: dict[str, CertResult]) -> None:
    result = results["closed"]
    assert result.status is Status.ERROR
    assert result.message.startswith("cannot fetch certificate:")
    (sample,) = samples([result])
    assert (sample.name, sample.value) == ("x509_cert_error", 1.0)

"""TLS judging without a network: endpoints, protocol and cipher verdicts, certificates, trust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.checks.tlskit import make_ca, make_leaf

from unideploy.errors import ConfigError
from unideploy.security.endpoints import Endpoint, parse_endpoint
from unideploy.security.manifests.registry import Severity
from unideploy.security.tls.judge import TlsOptions, judge_certificate, judge_protocols
from unideploy.security.tls.trust import chain_trust, hostname_matches

pytestmark = pytest.mark.clock

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)

INTERMEDIATE_12 = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grafana.lab:8443", Endpoint("grafana.lab", 8443)),
        ("127.0.0.1", Endpoint("127.0.0.1", 443)),
        ("[::1]:9443", Endpoint("::1", 9443)),
    ],
)
def test_parse_endpoint(text: str, expected: Endpoint) -> None:
    assert parse_endpoint(text) == expected


def test_endpoint_servername_defaults_to_host() -> None:
    assert parse_endpoint("127.0.0.1:1", "localhost").servername == "localhost"
    assert parse_endpoint("a.example:1").servername == "a.example"
    assert str(parse_endpoint("[::1]:8443")) == "[::1]:8443"


@pytest.mark.parametrize("text", ["host:http", "host:0", "host:70000", ":443", "[::1"])
def test_bad_endpoints_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_endpoint(text)
    assert err.value.hint


def test_protocols_outside_profile() -> None:
    issues = judge_protocols(
        {"SSLv3": (), "TLSv1": (), "TLSv1.2": ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",)},
        {"TLSv1.2", "TLSv1.3"},
        INTERMEDIATE_12,
    )
    assert [(i.id, i.severity, i.message) for i in issues] == [
        ("UD-TLS-001", Severity.CRITICAL, "SSLv3 is accepted"),
        ("UD-TLS-001", Severity.HIGH, "TLSv1 is accepted"),
    ]


def test_cipher_weakness_grades() -> None:
    accepted = {
        "TLSv1.2": (
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        )
    }
    issues = judge_protocols(accepted, {"TLSv1.2"}, INTERMEDIATE_12)
    assert {i.message.split()[2]: i.severity for i in issues} == {
        "TLS_RSA_WITH_AES_128_CBC_SHA": Severity.HIGH,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": Severity.MEDIUM,
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA": Severity.HIGH,
    }


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki")


def test_certificate_rules(pki: Path) -> None:
    now = NOW
    ca = make_ca(pki, now=now)
    small = make_leaf(pki, "small", ca=ca, rsa_bits=1024, days_left=3.5, now=now)
    issues = judge_certificate(small.cert, [small.cert], TlsOptions(), now)
    assert [(i.id, i.severity) for i in issues] == [
        ("UD-TLS-005", Severity.HIGH),
        ("UD-TLS-008", Severity.HIGH),
    ]
    later = now + timedelta(days=10)
    issues = judge_certificate(small.cert, [small.cert], TlsOptions(), later)
    assert [(i.id, i.severity) for i in issues] == [
        ("UD-TLS-005", Severity.HIGH),
        ("UD-TLS-007", Severity.CRITICAL),
    ]
    strict = TlsOptions(min_rsa_bits=4096)
    good = make_leaf(pki, "good", ca=ca, rsa_bits=2048, now=now)
    assert [i.id for i in judge_certificate(good.cert, [good.cert], strict, now)] == ["UD-TLS-005"]


def test_hostname_matching(pki: Path) -> None:
    leaf = make_leaf(pki, "names", ca=None, dns=("*.lab.example", "lab.example"), ips=("10.0.0.5",))
    assert hostname_matches(leaf.cert, "grafana.lab.example")
    assert hostname_matches(leaf.cert, "LAB.example.")
    assert hostname_matches(leaf.cert, "10.0.0.5")
    assert not hostname_matches(leaf.cert, "a.b.lab.example")
    assert not hostname_matches(leaf.cert, "10.0.0.6")
    assert not hostname_matches(leaf.cert, "evil-lab.example")


def test_chain_trust_is_independent_of_expiry_and_name(pki: Path) -> None:
    ca, other = make_ca(pki / "a"), make_ca(pki / "b", cn="another CA")
    expired = make_leaf(pki, "old", ca=ca, days_left=-30, dns=("elsewhere.example",))
    assert chain_trust([expired.cert], [ca.cert]) is None
    reason = chain_trust([expired.cert], [other.cert])
    assert reason is not None and "validation failed" in reason
    assert chain_trust([], [ca.cert]) == "the server sent no certificate"


def test_endpoints_discovered_from_ingresses_and_load_balancers() -> None:
    from unideploy.security.endpoints import endpoints_from_objects

    objects = [
        {
            "kind": "Ingress",
            "spec": {"tls": [{"hosts": ["grafana.lab.example", "*.lab.example"]}]},
        },
        {"kind": "Ingress", "spec": {"rules": [{"host": "plain.lab.example"}]}},
        {
            "kind": "Service",
            "spec": {"type": "LoadBalancer", "ports": [{"port": 443}, {"port": 80}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.240"}]}},
        },
        {
            "kind": "Service",
            "spec": {"type": "LoadBalancer", "ports": [{"port": 9443}]},
            "status": {},
        },
        {"kind": "Service", "spec": {"type": "ClusterIP", "ports": [{"port": 443}]}},
        {"kind": "Ingress", "spec": {"tls": [{"hosts": ["grafana.lab.example"]}]}},
    ]
    assert endpoints_from_objects(objects) == [
        Endpoint("grafana.lab.example", 443),
        Endpoint("192.168.1.240", 443),
    ]

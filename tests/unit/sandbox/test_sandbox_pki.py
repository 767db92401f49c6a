"""Unit tests: the sandbox CA, serving and client certificates, service-account key."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from unideploy.sandbox import pki


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_ensure_writes_a_complete_set_with_private_keys_kept_private(tmp_path: Path) -> None:
    certs = pki.ensure(tmp_path / "pki")
    assert certs.complete()
    keys = [certs.ca_key, certs.serving_key, certs.sa_key] + [
        certs.client_key(w) for w in pki.CLIENTS
    ]
    for key in keys:
        assert key.stat().st_mode & 0o077 == 0, key


def test_serving_certificate_is_valid_for_loopback_and_the_service_names(tmp_path: Path) -> None:
    certs = pki.ensure(tmp_path)
    serving = _cert(certs.serving_cert)
    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    assert "kubernetes.default.svc" in sans.get_values_for_type(x509.DNSName)
    usage = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    serving.verify_directly_issued_by(_cert(certs.ca_cert))


def test_admin_is_in_system_masters_and_components_have_their_rbac_names(tmp_path: Path) -> None:
    certs = pki.ensure(tmp_path)
    ca = _cert(certs.ca_cert)
    admin = _cert(certs.client_cert("admin"))
    orgs = admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in orgs] == ["system:masters"]
    admin.verify_directly_issued_by(ca)
    for who, expected in (
        ("controller-manager", "system:kube-controller-manager"),
        ("scheduler", "system:kube-scheduler"),
    ):
        cert = _cert(certs.client_cert(who))
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert [n.value for n in names] == [expected]
        assert not cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)


def test_second_ensure_reuses_the_existing_files(tmp_path: Path) -> None:
    first = pki.ensure(tmp_path).ca_cert.read_bytes()
    assert pki.ensure(tmp_path).ca_cert.read_bytes() == first
    pki.Pki(tmp_path).sa_pub.unlink()
    assert pki.ensure(tmp_path).ca_cert.read_bytes() != first  # incomplete sets are remade

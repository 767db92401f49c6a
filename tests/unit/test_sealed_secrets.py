"""SealedSecrets as the sealed-secrets controller opens them: RSA-OAEP(SHA-256) + AES-256-GCM.

Each value is unsealed with the private key and the scope's label, the way the controller does;
a SealedSecret moved to another name or namespace does not open (strict scope).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from unideploy.errors import ConfigError
from unideploy.gitops.sealed import label, load_certificate, seal, unseal

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db", "namespace": "apps", "labels": {"app": "db"}},
    "type": "Opaque",
    "data": {"password": base64.b64encode(b"canary-pw-0001").decode()},
    "stringData": {"user": "admin"},
}


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[rsa.RSAPrivateKey, Path]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    path = tmp_path / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return private, path


@pytest.mark.clock
def test_each_value_unseals_with_the_strict_label(keypair: tuple[rsa.RSAPrivateKey, Path]) -> None:
    private, cert = keypair
    sealed = seal(SECRET, load_certificate(cert))
    assert sealed["kind"] == "SealedSecret"
    assert sealed["apiVersion"] == "bitnami.com/v1alpha1"
    assert sealed["spec"]["template"]["metadata"] == SECRET["metadata"]
    data = sealed["spec"]["encryptedData"]
    assert set(data) == {"password", "user"}
    assert b"canary-pw-0001" not in str(sealed).encode()
    strict = label("apps", "db")
    assert unseal(data["password"], private, strict) == b"canary-pw-0001"
    assert unseal(data["user"], private, strict) == b"admin"
    with pytest.raises(ValueError):
        unseal(data["password"], private, label("other", "db"))


@pytest.mark.clock
def test_namespace_and_cluster_wide_scopes_are_annotated(
    keypair: tuple[rsa.RSAPrivateKey, Path],
) -> None:
    private, cert = keypair
    wide = seal(SECRET, load_certificate(cert), scope="namespace-wide")
    annotations = wide["metadata"]["annotations"]
    assert annotations == {"sealedsecrets.bitnami.com/namespace-wide": "true"}
    assert unseal(wide["spec"]["encryptedData"]["user"], private, b"apps") == b"admin"
    cluster = seal(SECRET, load_certificate(cert), scope="cluster-wide")
    assert unseal(cluster["spec"]["encryptedData"]["user"], private, b"") == b"admin"


def test_a_bad_certificate_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "cert.pem"
    path.write_text("not a certificate")
    with pytest.raises(ConfigError, match="PEM certificate"):
        load_certificate(path)

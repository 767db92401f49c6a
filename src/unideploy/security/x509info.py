"""Facts about one X.509 certificate that TLS and expiry checks both report.

Pure reading of a `cryptography` certificate: names, validity, key and signature. No network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

WEAK_SIGNATURE_HASHES = frozenset({"md5", "sha1"})


@dataclass(frozen=True)
class CertFacts:
    """What the reports say about a certificate."""

    subject: str
    issuer: str
    subject_cn: str
    issuer_cn: str
    serial_number: str
    not_before: datetime
    not_after: datetime
    key_type: str
    key_size: int
    signature_hash: str | None
    self_signed: bool

    def seconds_left(self, now: datetime) -> float:
        """Seconds until not_after (negative once expired)."""
        return (self.not_after - now).total_seconds()

    def days_left(self, now: datetime) -> int:
        """Whole days until not_after, rounded down (negative once expired)."""
        return math.floor(self.seconds_left(now) / 86400)


def _cn(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _key(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    return type(key).__name__, 0


def facts(cert: x509.Certificate) -> CertFacts:
    """Read the reported facts of `cert`."""
    key_type, key_size = _key(cert)
    try:
        algorithm = cert.signature_hash_algorithm
        signature_hash = algorithm.name if algorithm is not None else None
    except UnsupportedAlgorithm:
        signature_hash = None
    return CertFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        subject_cn=_cn(cert.subject),
        issuer_cn=_cn(cert.issuer),
        serial_number=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        signature_hash=signature_hash,
        self_signed=cert.issuer == cert.subject,
    )


def utcnow() -> datetime:
    """The current time in UTC (one place, so tests can pass their own `now`)."""
    return datetime.now(UTC)

"""Judging a TLS endpoint against Mozilla's profiles: the result types and the pure rules.

No network here: `sslyze_scan` gathers what a server offers and calls these judges; `check` is
the entry point that ties the two together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from unideploy.security.endpoints import Endpoint
from unideploy.security.manifests.registry import Severity
from unideploy.security.x509info import WEAK_SIGNATURE_HASHES, CertFacts, facts, utcnow

PROFILES = ("intermediate", "modern")
PROTOCOL_COMMANDS = (
    ("SSLv2", "ssl_2_0_cipher_suites"),
    ("SSLv3", "ssl_3_0_cipher_suites"),
    ("TLSv1", "tls_1_0_cipher_suites"),
    ("TLSv1.1", "tls_1_1_cipher_suites"),
    ("TLSv1.2", "tls_1_2_cipher_suites"),
    ("TLSv1.3", "tls_1_3_cipher_suites"),
)
WEAK_CIPHER_MARKERS = ("NULL", "EXPORT", "RC4", "_DES_", "3DES", "MD5", "ANON")
PROTOCOL_SEVERITY = {
    "SSLv2": Severity.CRITICAL,
    "SSLv3": Severity.CRITICAL,
    "TLSv1": Severity.HIGH,
    "TLSv1.1": Severity.HIGH,
}


@dataclass(frozen=True)
class TlsIssue:
    """One problem with an endpoint's TLS configuration."""

    id: str
    severity: Severity
    message: str

    def to_json(self) -> dict[str, str]:
        """JSON shape of an issue."""
        return {"id": self.id, "severity": self.severity.value, "message": self.message}


@dataclass(frozen=True)
class TlsResult:
    """The TLS verdict on one endpoint."""

    endpoint: Endpoint
    profile: str
    protocols: tuple[str, ...] = ()
    ciphers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    issues: tuple[TlsIssue, ...] = ()
    certificate: CertFacts | None = None
    hostname_match: bool | None = None
    trusted: bool | None = None
    hsts_max_age: int | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        """True when no issue was found."""
        return not self.issues

    def worst(self) -> Severity | None:
        """The most severe issue's severity, or None."""
        return max((i.severity for i in self.issues), key=lambda s: s.rank, default=None)

    def to_json(self) -> dict[str, Any]:
        """JSON shape of one endpoint's result (fields named in the security issue)."""
        cert = self.certificate
        return {
            "endpoint": str(self.endpoint),
            "servername": self.endpoint.servername,
            "profile": self.profile,
            "ok": self.ok,
            "protocols": list(self.protocols),
            "ciphers": {k: list(v) for k, v in self.ciphers.items()},
            "issues": [i.to_json() for i in self.issues],
            "hsts_max_age": self.hsts_max_age,
            "certificate": None
            if cert is None
            else {
                "subject": cert.subject,
                "issuer": cert.issuer,
                "not_after": cert.not_after.isoformat(),
                "days_left": cert.days_left(self.now),
                "key_type": cert.key_type,
                "key_size": cert.key_size,
                "signature_algorithm": cert.signature_hash,
                "hostname_match": self.hostname_match,
                "trusted": self.trusted,
            },
        }


@dataclass(frozen=True)
class TlsOptions:
    """How to judge endpoints."""

    profile: str = "intermediate"
    ca_file: Path | None = None
    warn_days: int = 30
    critical_days: int = 7
    min_rsa_bits: int = 2048
    check_hsts: bool = True
    timeout: int = 5


def judge_certificate(
    leaf: x509.Certificate,
    chain: Sequence[x509.Certificate],
    options: TlsOptions,
    now: datetime,
) -> list[TlsIssue]:
    """Issues with the served certificate itself: key, signature, validity window."""
    out: list[TlsIssue] = []
    info = facts(leaf)
    if info.key_type in ("RSA", "DSA") and info.key_size < options.min_rsa_bits:
        out.append(
            TlsIssue(
                "UD-TLS-005",
                Severity.HIGH,
                f"{info.key_type} key is {info.key_size} bits; need {options.min_rsa_bits}",
            )
        )
    if info.key_type == "EC" and info.key_size < 256:
        out.append(TlsIssue("UD-TLS-005", Severity.HIGH, f"EC key is {info.key_size} bits"))
    for cert in chain:
        one = facts(cert)
        if one.self_signed and cert is not leaf:
            continue  # a root's own signature is never checked by clients
        if one.signature_hash in WEAK_SIGNATURE_HASHES:
            out.append(
                TlsIssue(
                    "UD-TLS-006",
                    Severity.HIGH,
                    f"{one.subject_cn or one.subject} is signed with {one.signature_hash.upper()}",
                )
            )
    days = info.days_left(now)
    if info.not_before > now:
        out.append(TlsIssue("UD-TLS-013", Severity.HIGH, "certificate is not valid yet"))
    if info.seconds_left(now) <= 0:
        out.append(
            TlsIssue("UD-TLS-007", Severity.CRITICAL, f"certificate expired {-days} days ago")
        )
    elif days < options.critical_days:
        out.append(TlsIssue("UD-TLS-008", Severity.HIGH, f"certificate expires in {days} days"))
    elif days < options.warn_days:
        out.append(TlsIssue("UD-TLS-008", Severity.LOW, f"certificate expires in {days} days"))
    return out


def judge_protocols(
    accepted: dict[str, tuple[str, ...]], allowed: set[str], allowed_ciphers: set[str]
) -> list[TlsIssue]:
    """Issues with accepted protocol versions and cipher suites against a profile."""
    out: list[TlsIssue] = []
    for protocol in accepted:
        if protocol not in allowed:
            severity = PROTOCOL_SEVERITY.get(protocol, Severity.MEDIUM)
            out.append(TlsIssue("UD-TLS-001", severity, f"{protocol} is accepted"))
    for protocol, names in accepted.items():
        for name in names:
            if name in allowed_ciphers:
                continue
            upper = name.upper()
            weak = any(m in upper for m in WEAK_CIPHER_MARKERS) or upper.endswith("_CBC_SHA")
            severity = Severity.HIGH if weak else Severity.MEDIUM
            out.append(
                TlsIssue("UD-TLS-002", severity, f"{protocol} cipher {name} is outside the profile")
            )
    return out

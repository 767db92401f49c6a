"""Certificate expiry: endpoints, PEM files, TLS Secrets and cert-manager Certificates.

Each source gives `CertResult`s with a status (ok|warning|critical|expired|error) against warn and
critical thresholds. Secrets and Certificates arrive as plain dicts (the kube engine fetches them);
metrics for them are rendered by `certs_metrics`.
"""

from __future__ import annotations

import base64
import binascii
import socket
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509

from unideploy.errors import ConfigError
from unideploy.security.endpoints import Endpoint
from unideploy.security.x509info import CertFacts, facts, utcnow


class Status(StrEnum):
    """Where a certificate stands."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    EXPIRED = "expired"
    ERROR = "error"


@dataclass(frozen=True)
class Thresholds:
    """Days left below which a certificate is a warning, then critical."""

    warn_days: int = 30
    critical_days: int = 7

    def __post_init__(self) -> None:
        if not 0 <= self.critical_days <= self.warn_days:
            raise ConfigError(
                f"critical threshold ({self.critical_days} d) must lie between 0 and the warning "
                f"threshold ({self.warn_days} d)",
                hint="e.g. --warn-days 30 --critical-days 7",
            )


@dataclass(frozen=True)
class CertResult:
    """The expiry verdict on one certificate (or on a source that yielded none)."""

    source: str
    kind: str
    status: Status
    message: str
    facts: CertFacts | None = None
    now: datetime | None = None

    @property
    def days_left(self) -> int | None:
        """Whole days left (negative once expired), None on error."""
        return self.facts.days_left(self.now) if self.facts and self.now else None

    def to_json(self) -> dict[str, Any]:
        """JSON shape of a certificate result."""
        f = self.facts
        return {
            "source": self.source,
            "kind": self.kind,
            "subject": f.subject if f else None,
            "issuer": f.issuer if f else None,
            "serial_number": f.serial_number if f else None,
            "not_after": f.not_after.isoformat() if f else None,
            "days_left": self.days_left,
            "status": self.status.value,
            "message": self.message,
        }


def classify(cert: CertFacts, now: datetime, thresholds: Thresholds) -> tuple[Status, str]:
    """Status and message of one certificate at `now`."""
    days = cert.days_left(now)
    if cert.seconds_left(now) <= 0:
        return Status.EXPIRED, f"expired {-days} days ago ({cert.not_after:%Y-%m-%d})"
    if days < thresholds.critical_days:
        return Status.CRITICAL, f"expires in {days} days ({cert.not_after:%Y-%m-%d})"
    if days < thresholds.warn_days:
        return Status.WARNING, f"expires in {days} days ({cert.not_after:%Y-%m-%d})"
    return Status.OK, f"valid for {days} more days"


def _judge(
    source: str, kind: str, certs: Sequence[x509.Certificate], now: datetime, th: Thresholds
) -> list[CertResult]:
    out = []
    for index, cert in enumerate(certs):
        info = facts(cert)
        status, message = classify(info, now, th)
        label = source if len(certs) == 1 else f"{source}#{index + 1}"
        out.append(CertResult(label, kind, status, message, info, now))
    return out


def _error(source: str, kind: str, message: str) -> CertResult:
    return CertResult(source, kind, Status.ERROR, message)


def check_pem_bytes(
    data: bytes, source: str, kind: str, now: datetime, thresholds: Thresholds
) -> list[CertResult]:
    """Every certificate in PEM `data`; an error result when there is none."""
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        return [_error(source, kind, f"no readable PEM certificate: {exc}")]
    return _judge(source, kind, certs, now, thresholds)


def check_files(
    paths: Iterable[Path], thresholds: Thresholds | None = None, now: datetime | None = None
) -> list[CertResult]:
    """Every certificate in each PEM file (bundles give one result per certificate)."""
    now, th = now or utcnow(), thresholds or Thresholds()
    out: list[CertResult] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.append(_error(str(path), "file", f"cannot read: {exc.strerror}"))
            continue
        out += check_pem_bytes(data, str(path), "file", now, th)
    return out


def fetch_leaf(endpoint: Endpoint, timeout: float = 10.0) -> x509.Certificate:
    """The certificate an endpoint serves, whatever its quality (nothing is verified here)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("ALL:@SECLEVEL=0")  # read weak certificates too; judging them is the point
    with (
        socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as raw,
        ctx.wrap_socket(raw, server_hostname=endpoint.servername) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return x509.load_der_x509_certificate(der)


def check_endpoints(
    endpoints: Iterable[Endpoint],
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
    timeout: float = 10.0,
) -> list[CertResult]:
    """The served certificate of each endpoint; unreachable endpoints are error results."""
    now, th = now or utcnow(), thresholds or Thresholds()
    out: list[CertResult] = []
    for endpoint in endpoints:
        try:
            cert = fetch_leaf(endpoint, timeout)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            out.append(_error(str(endpoint), "endpoint", f"cannot fetch certificate: {reason}"))
            continue
        out += _judge(str(endpoint), "endpoint", [cert], now, th)
    return out


def check_tls_secrets(
    secrets: Iterable[Mapping[str, Any]],
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> list[CertResult]:
    """`kubernetes.io/tls` Secrets as API dicts; `tls.crt` is read, the key never is."""
    now, th = now or utcnow(), thresholds or Thresholds()
    out: list[CertResult] = []
    for secret in secrets:
        if secret.get("type") != "kubernetes.io/tls":
            continue
        meta = secret.get("metadata") or {}
        source = f"secret/{meta.get('namespace', '')}/{meta.get('name', '')}"
        encoded = (secret.get("data") or {}).get("tls.crt")
        if not encoded:
            out.append(_error(source, "secret", "has no tls.crt"))
            continue
        try:
            data = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            out.append(_error(source, "secret", "tls.crt is not valid base64"))
            continue
        out += check_pem_bytes(data, source, "secret", now, th)
    return out


def check_certificate_resources(
    resources: Iterable[Mapping[str, Any]],
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> list[CertResult]:
    """cert-manager Certificates as API dicts: status.notAfter, and not Ready is itself an error."""
    now, th = now or utcnow(), thresholds or Thresholds()
    out: list[CertResult] = []
    for resource in resources:
        meta = resource.get("metadata") or {}
        source = f"certificate/{meta.get('namespace', '')}/{meta.get('name', '')}"
        status = resource.get("status") or {}
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
        if ready is None or ready.get("status") != "True":
            why = (ready or {}).get("message") or "no Ready condition"
            out.append(_error(source, "certificate", f"not Ready: {why}"))
            continue
        try:
            not_after = datetime.fromisoformat(str(status["notAfter"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            out.append(_error(source, "certificate", "Ready but status.notAfter is missing"))
            continue
        info = CertFacts(
            subject=str((resource.get("spec") or {}).get("commonName") or ""),
            issuer=str(((resource.get("spec") or {}).get("issuerRef") or {}).get("name", "")),
            subject_cn=str((resource.get("spec") or {}).get("commonName") or ""),
            issuer_cn="",
            serial_number="",
            not_before=not_after,
            not_after=not_after,
            key_type="",
            key_size=0,
            signature_hash=None,
            self_signed=False,
        )
        verdict, message = classify(info, now, th)
        out.append(CertResult(source, "certificate", verdict, message, info, now))
    return out

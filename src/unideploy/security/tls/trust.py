"""Chain trust and hostname match for a served certificate chain, each judged on its own.

Trust asks only "does this chain lead to an anchor in the bundle?" (checked at a moment inside the
leaf's validity, so expiry is reported separately); hostname match reads the SAN (CN without one).
"""

from __future__ import annotations

import ipaddress
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtensionOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError


def load_bundle(path: Path) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle (old roots with odd serials load without warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return list(x509.load_pem_x509_certificates(path.read_bytes()))


def _names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return [str(cn.value) for cn in cns], []
    assert isinstance(san, x509.SubjectAlternativeName)
    dns = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return dns, ips


def hostname_matches(cert: x509.Certificate, name: str) -> bool:
    """True when `name` (DNS name or IP address) is one the certificate is issued for."""
    dns, ips = _names(cert)
    try:
        wanted = ipaddress.ip_address(name)
    except ValueError:
        host = name.lower().rstrip(".")
        for pattern in (d.lower().rstrip(".") for d in dns):
            if pattern == host:
                return True
            if pattern.startswith("*.") and "." in host:
                label, rest = host.split(".", 1)
                if label and rest == pattern[2:]:
                    return True
        return False
    return any(ipaddress.ip_address(ip) == wanted for ip in ips)


def chain_trust(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate]
) -> str | None:
    """None when `chain` leads to one of `anchors`, else the reason it does not."""
    if not chain:
        return "the server sent no certificate"
    leaf = chain[0]
    if any(leaf == anchor for anchor in anchors):
        return None  # the exact certificate is pinned in the bundle (self-signed development certs)
    if not anchors:
        return "the CA bundle holds no certificates"
    dns, ips = _names(leaf)
    subject: x509.GeneralName
    if dns:
        subject = x509.DNSName(dns[0].replace("*", "x", 1))
    elif ips:
        subject = x509.IPAddress(ipaddress.ip_address(ips[0]))
    else:
        return "the certificate names no host, so no client can verify it"
    reason = "verification failed"
    for moment in _moments(chain, anchors):
        builder = PolicyBuilder().store(Store(list(anchors))).time(moment)
        try:
            builder.build_server_verifier(subject).verify(leaf, list(chain[1:]))
        except VerificationError as exc:
            reason = str(exc.args[0]) if exc.args else reason
            continue
        except ValueError as exc:
            return str(exc)
        return None
    return reason


def _moments(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate]
) -> list[datetime]:
    """Times to verify at: now (kept inside the leaf's window) and just after every issuer began.

    Expiry is judged elsewhere; here only the signatures and the path matter, so any moment at
    which the whole chain was valid will do.
    """
    leaf = chain[0]
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    now = min(max(datetime.now(UTC), start), end - timedelta(seconds=1))
    issuers = {c.issuer for c in chain}
    related = [*chain, *(a for a in anchors if a.subject in issuers)]
    latest_start = max(c.not_valid_before_utc for c in related) + timedelta(seconds=1)
    moments = [now]
    if start <= latest_start < end:
        moments.append(latest_start)
    return moments

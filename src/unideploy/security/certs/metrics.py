"""Certificate expiry results as Prometheus samples and text, named like x509-certificate-exporter.

`samples` gives (name, labels, value) tuples shaped like prometheus_client's Sample for a collector;
`prometheus_text` renders the exposition format for a textfile collector or a Pushgateway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from unideploy.security.certs.expiry import CertResult, Status
from unideploy.security.x509info import utcnow

HELP = {
    "x509_cert_not_after": ("gauge", "Certificate expiry as a Unix timestamp."),
    "x509_cert_not_before": ("gauge", "Certificate start of validity as a Unix timestamp."),
    "x509_cert_expired": ("gauge", "1 when the certificate has expired, else 0."),
    "x509_cert_expires_in_seconds": ("gauge", "Seconds until the certificate expires."),
    "x509_cert_error": ("gauge", "1 when the certificate source could not be read."),
}


class Sample(NamedTuple):
    """One metric sample (the first three fields of prometheus_client's Sample)."""

    name: str
    labels: dict[str, str]
    value: float


def samples(results: Iterable[CertResult], now: datetime | None = None) -> list[Sample]:
    """Samples for every result; error results give only `x509_cert_error`."""
    now = now or utcnow()
    out: list[Sample] = []
    for result in results:
        base = {"source_kind": result.kind, "source": result.source}
        info = result.facts
        if result.status is Status.ERROR or info is None:
            out.append(Sample("x509_cert_error", base, 1.0))
            continue
        labels = {
            **base,
            "subject_CN": info.subject_cn,
            "issuer_CN": info.issuer_cn,
            "serial_number": info.serial_number,
        }
        out.append(Sample("x509_cert_error", base, 0.0))
        out.append(Sample("x509_cert_not_after", labels, info.not_after.timestamp()))
        out.append(Sample("x509_cert_not_before", labels, info.not_before.timestamp()))
        seconds = info.seconds_left(now)
        out.append(Sample("x509_cert_expired", labels, 1.0 if seconds <= 0 else 0.0))
        out.append(Sample("x509_cert_expires_in_seconds", labels, round(seconds, 3)))
    return out


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def prometheus_text(results: Sequence[CertResult], now: datetime | None = None) -> str:
    """The exposition text of `samples(results)`, grouped by metric with HELP and TYPE lines."""
    grouped: dict[str, list[Sample]] = {}
    for sample in samples(results, now):
        grouped.setdefault(sample.name, []).append(sample)
    lines: list[str] = []
    for name, (kind, text) in HELP.items():
        if name not in grouped:
            continue
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for sample in grouped[name]:
            labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sample.labels.items())
            lines.append(f"{name}{{{labels}}} {_number(sample.value)}")
    return "\n".join(lines) + "\n" if lines else ""

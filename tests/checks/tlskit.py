"""Test kit for TLS checks: certificates made with `cryptography` and TLS servers on 127.0.0.1.

`tls_server` is Python's `ssl` in a thread (answers HTTP, optionally with HSTS); `openssl_server`
runs `openssl s_server` through engines.process.spawn. Everything binds 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from unideploy.engines.process import run, spawn

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issued:
    """A certificate and key, written to disk as PEM."""

    cert: x509.Certificate
    key: Key
    cert_path: Path
    key_path: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(directory: Path, stem: str, cert: x509.Certificate, key: Key) -> Issued:
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert, key, cert_path, key_path)


def make_ca(
    directory: Path, cn: str = "unideploy test CA", *, now: datetime | None = None
) -> Issued:
    """A self-signed CA valid from 400 days before `now` to 400 days after (older than any leaf).

    `now` defaults to the clock: only for certificates served to a command that judges them by
    its own clock (a CLI run against a live TLS server). Unit tests pass a fixed moment.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    now = now or datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(now + timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(directory, "ca", cert, key)


def make_leaf(
    directory: Path,
    stem: str,
    *,
    ca: Issued | None,
    dns: Sequence[str] = ("localhost",),
    ips: Sequence[str] = ("127.0.0.1",),
    days_left: float = 60,
    lifetime_days: float = 90,
    rsa_bits: int | None = None,
    digest: hashes.HashAlgorithm | None = None,
    now: datetime | None = None,
) -> Issued:
    """A server certificate signed by `ca` (self-signed when None), expiring `days_left` days
    after `now` (the clock when not given, as for `make_ca`)."""
    key: Key = (
        rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
        if rsa_bits
        else ec.generate_private_key(ec.SECP256R1())
    )
    now = now or datetime.now(UTC)
    not_after = now + timedelta(days=days_left)
    cn = dns[0] if dns else (ips[0] if ips else "server")
    san: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    san += [x509.IPAddress(ip_address(i)) for i in ips]
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca.cert.subject if ca else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=lifetime_days))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if ca is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    cert = builder.sign(ca.key if ca else key, digest or hashes.SHA256())
    return _write(directory, stem, cert, key)


def make_sha1_leaf(directory: Path, stem: str, *, ca: Issued, days: int = 60) -> Issued:
    """A localhost certificate signed with SHA-1 by `ca`.

    `cryptography` refuses to sign with SHA-1 at all, so the key and CSR are made with it and the
    signature is made by `openssl x509 -sha1` (run through engines.process).
    """
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name("localhost"))
        .sign(key, hashes.SHA256())
    )
    csr_path = directory / f"{stem}.csr"
    csr_path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    ext_path = directory / f"{stem}.ext"
    ext_path.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    cert_path = directory / f"{stem}.crt"
    argv = ["openssl", "x509", "-req", "-in", str(csr_path), "-CA", str(ca.cert_path)]
    argv += ["-CAkey", str(ca.key_path), "-set_serial", "4242", "-sha1", "-days", str(days)]
    argv += ["-extfile", str(ext_path), "-out", str(cert_path)]
    run(argv, check=True)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return _write(directory, stem, cert, key)


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts TCP connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def server_context(
    leaf: Issued,
    *,
    ciphers: str | None = None,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
    chain: Sequence[Issued] = (),
) -> ssl.SSLContext:
    """A server context; `ciphers` may carry @SECLEVEL=0 so weak keys and suites load at all."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if ciphers:
        ctx.set_ciphers(ciphers)
    ctx.minimum_version = minimum
    ctx.maximum_version = maximum
    bundle = leaf.cert_path
    if chain:
        bundle = leaf.cert_path.with_suffix(".chain.pem")
        bundle.write_bytes(
            leaf.cert_path.read_bytes() + b"".join(c.cert_path.read_bytes() for c in chain)
        )
    ctx.load_cert_chain(bundle, leaf.key_path)
    return ctx


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        try:
            with self.server.context.wrap_socket(self.request, server_side=True) as tls:
                tls.settimeout(3)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = tls.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                extra = (
                    f"Strict-Transport-Security: {self.server.hsts}\r\n" if self.server.hsts else ""
                )
                body = b"ok\n"
                tls.sendall(
                    (
                        f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n{extra}"
                        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                    ).encode()
                    + body
                )
        except (OSError, ssl.SSLError):
            return  # scanners probe with suites the server refuses; that is expected


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, context: ssl.SSLContext, hsts: str | None) -> None:
        self.context = context
        self.hsts = hsts
        super().__init__(("127.0.0.1", 0), _Handler)


@contextmanager
def tls_server(context: ssl.SSLContext, *, hsts: str | None = None) -> Iterator[int]:
    """Serve HTTPS on 127.0.0.1 with `context` in a thread; yields the port."""
    server = _Server(context, hsts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def openssl_server(leaf: Issued, *args: str, log_dir: Path) -> Iterator[int]:
    """Run `openssl s_server -www` on 127.0.0.1 (extra `args` pass through); yields the port."""
    port = free_port()
    argv = [
        "openssl",
        "s_server",
        "-accept",
        f"127.0.0.1:{port}",
        "-cert",
        str(leaf.cert_path),
        "-key",
        str(leaf.key_path),
        "-www",
        "-quiet",
        *args,
    ]
    with (log_dir / f"s_server-{port}.log").open("wb") as log:
        proc = spawn(argv, log=log)
        try:
            wait_for_port(port)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except Exception:
                proc.kill()
                proc.wait(timeout=5)

"""TCP and DNS tests: connect to host:port (or the cluster's API server), resolve a host name.

Both use the standard library only; timeouts come from the case. A refused or timed-out connect and
a name that does not resolve are failed verdicts with the system's reason, never exceptions.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from unideploy.config.tests_cases import DnsTest, TcpTest
from unideploy.tests_runtime.base import TestEnv, Verdict


def api_server_address(env: TestEnv) -> tuple[str, int]:
    """Host and port of the API server the run's kubeconfig names."""
    parts = urlsplit(str(env.client().configuration.host))
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname or "127.0.0.1", parts.port or default


def tcp_test(case: TcpTest, env: TestEnv) -> Verdict:
    """Open (and close) one TCP connection."""
    if case.api_server:
        host, port = api_server_address(env)
    else:
        host, port = str(case.host), _port(case.port)
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=case.timeout):
            elapsed = (time.perf_counter() - started) * 1000
    except TimeoutError:
        return Verdict(False, f"{host}:{port}: no answer within {case.timeout:g} s")
    except OSError as exc:
        return Verdict(False, f"{host}:{port}: {exc.strerror or exc}")
    details = {"target": f"{host}:{port}", "latency_ms": round(elapsed, 1)}
    return Verdict(True, f"{host}:{port} accepted a connection in {elapsed:.0f} ms", details)


def _port(value: int | str | None) -> int:
    try:
        return int(str(value))
    except ValueError:
        return socket.getservbyname(str(value), "tcp")


FAMILIES = {"any": socket.AF_UNSPEC, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}


def dns_test(case: DnsTest, env: TestEnv) -> Verdict:
    """Resolve the host with the system resolver and compare the answers."""
    started = time.perf_counter()
    try:
        answers = socket.getaddrinfo(case.host, None, FAMILIES[case.family], socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return Verdict(False, f"{case.host} does not resolve: {exc.strerror}")
    elapsed = (time.perf_counter() - started) * 1000
    found = sorted({str(info[4][0]) for info in answers})
    details = {"target": case.host, "addresses": found, "latency_ms": round(elapsed, 1)}
    missing = [address for address in case.addresses if address not in found]
    if missing:
        return Verdict(
            False,
            f"{case.host} resolves to {', '.join(found)}; missing {', '.join(missing)}",
            details,
        )
    return Verdict(True, f"{case.host} → {', '.join(found)}", details)

"""The sslyze side of the TLS check: build scan requests, run them, turn results into TlsResults.

Kept apart from `tls` so the judging rules stay readable without sslyze's object model. Only the
endpoints given are contacted; nothing is resolved except their own host names.
"""

from __future__ import annotations

import ipaddress
import socket
import warnings
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from sslyze.mozilla_tls_profile.tls_config_checker import (
    MozillaTlsConfiguration,
    TlsConfigurationEnum,
)
from sslyze.plugins.certificate_info.trust_stores.trust_store_repository import (
    TrustStoresRepository,
)
from sslyze.plugins.scan_commands import ScanCommand
from sslyze.scanner.models import (
    ScanCommandsExtraArguments,
    ServerScanRequest,
    ServerScanResult,
    ServerScanStatusEnum,
)
from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum
from sslyze.scanner.scanner import Scanner
from sslyze.server_setting import ServerNetworkConfiguration, ServerNetworkLocation

from unideploy.errors import ConfigError
from unideploy.security.endpoints import Endpoint
from unideploy.security.manifests.registry import Severity
from unideploy.security.tls.judge import (
    PROTOCOL_COMMANDS,
    TlsIssue,
    TlsOptions,
    TlsResult,
    judge_certificate,
    judge_protocols,
)
from unideploy.security.tls.trust import chain_trust, hostname_matches, load_bundle
from unideploy.security.x509info import facts, utcnow

# sslyze's bundled trust stores hold an old root with a non-positive serial; cryptography warns
# about it on every scan. It is noise about sslyze's data, not about the endpoint being judged.
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, module=r"sslyze\.")

CIPHER_COMMANDS = {
    "ssl_2_0_cipher_suites": ScanCommand.SSL_2_0_CIPHER_SUITES,
    "ssl_3_0_cipher_suites": ScanCommand.SSL_3_0_CIPHER_SUITES,
    "tls_1_0_cipher_suites": ScanCommand.TLS_1_0_CIPHER_SUITES,
    "tls_1_1_cipher_suites": ScanCommand.TLS_1_1_CIPHER_SUITES,
    "tls_1_2_cipher_suites": ScanCommand.TLS_1_2_CIPHER_SUITES,
    "tls_1_3_cipher_suites": ScanCommand.TLS_1_3_CIPHER_SUITES,
}


def _address(endpoint: Endpoint) -> str:
    try:
        ipaddress.ip_address(endpoint.host)
        return endpoint.host
    except ValueError:
        info = socket.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM)
        return str(info[0][4][0])


def _request(endpoint: Endpoint, options: TlsOptions) -> ServerScanRequest:
    commands = {ScanCommand.CERTIFICATE_INFO, *CIPHER_COMMANDS.values()}
    if options.check_hsts:
        commands.add(ScanCommand.HTTP_HEADERS)
    extra = ScanCommandsExtraArguments()
    return ServerScanRequest(
        server_location=ServerNetworkLocation(
            hostname=endpoint.servername, port=endpoint.port, ip_address=_address(endpoint)
        ),
        network_configuration=ServerNetworkConfiguration(
            tls_server_name_indication=endpoint.servername,
            network_timeout=options.timeout,
            network_max_retries=1,
        ),
        scan_commands=commands,
        scan_commands_extra_arguments=extra,
    )


def _judge(
    endpoint: Endpoint,
    scan: ServerScanResult,
    options: TlsOptions,
    profile: Any,
    anchors: Sequence[x509.Certificate],
) -> TlsResult:
    now = utcnow()
    if scan.scan_status != ServerScanStatusEnum.COMPLETED or scan.scan_result is None:
        error = scan.connectivity_error_trace
        why = str(error).strip().splitlines()[-1] if error is not None else "no handshake"
        issue = TlsIssue("UD-TLS-011", Severity.CRITICAL, f"cannot connect over TLS: {why}")
        return TlsResult(endpoint, options.profile, issues=(issue,), now=now)
    attempts = scan.scan_result
    issues: list[TlsIssue] = []
    accepted: dict[str, tuple[str, ...]] = {}
    for protocol, attr in PROTOCOL_COMMANDS:
        attempt = getattr(attempts, attr)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            issues.append(TlsIssue("UD-TLS-012", Severity.LOW, f"could not test {protocol}"))
        elif attempt.result.is_tls_version_supported:
            accepted[protocol] = tuple(
                c.cipher_suite.name for c in attempt.result.accepted_cipher_suites
            )
    allowed_ciphers = set(profile.ciphers.iana) | set(profile.ciphersuites)
    issues += judge_protocols(accepted, set(profile.tls_versions), allowed_ciphers)
    certificate, hostname_match, trusted = None, None, None
    info = attempts.certificate_info
    deployments = info.result.certificate_deployments if info.result is not None else []
    if info.status == ScanCommandAttemptStatusEnum.COMPLETED and deployments:
        chain = deployments[0].received_certificate_chain
        certificate = facts(chain[0])
        hostname_match = hostname_matches(chain[0], endpoint.servername)
        reason = chain_trust(chain, anchors)
        trusted = reason is None
        if reason is not None:
            issues.append(TlsIssue("UD-TLS-003", Severity.HIGH, f"chain is not trusted: {reason}"))
        if not hostname_match:
            issues.append(
                TlsIssue(
                    "UD-TLS-004",
                    Severity.HIGH,
                    f"certificate is not issued for {endpoint.servername} ({certificate.subject})",
                )
            )
        issues += judge_certificate(chain[0], chain, options, now)
    else:
        issues.append(TlsIssue("UD-TLS-012", Severity.MEDIUM, "could not read the certificate"))
    hsts_max_age = None
    headers = attempts.http_headers.result
    if headers is not None and not headers.http_error_trace:
        hsts = headers.strict_transport_security_header
        if hsts is None:
            issues.append(
                TlsIssue(
                    "UD-TLS-009", Severity.MEDIUM, "HTTPS response has no Strict-Transport-Security"
                )
            )
        else:
            hsts_max_age = hsts.max_age
            if (hsts.max_age or 0) < profile.hsts_min_age:
                issues.append(
                    TlsIssue(
                        "UD-TLS-010",
                        Severity.LOW,
                        f"HSTS max-age is {hsts.max_age}; the profile asks {profile.hsts_min_age}",
                    )
                )
    return TlsResult(
        endpoint,
        options.profile,
        protocols=tuple(accepted),
        ciphers=accepted,
        issues=tuple(issues),
        certificate=certificate,
        hostname_match=hostname_match,
        trusted=trusted,
        hsts_max_age=hsts_max_age,
        now=now,
    )


def scan_endpoints(endpoints: Sequence[Endpoint], options: TlsOptions) -> list[TlsResult]:
    """Scan `endpoints` concurrently and return results in the order given."""
    if options.profile not in ("intermediate", "modern"):
        raise ConfigError(
            f"TLS profile {options.profile!r} is not known", hint="use intermediate or modern"
        )
    if options.ca_file is not None and not options.ca_file.is_file():
        raise ConfigError(f"CA file {options.ca_file} does not exist", hint="pass a PEM bundle")
    profile = MozillaTlsConfiguration.get(TlsConfigurationEnum(options.profile))
    if options.ca_file is not None:
        anchors = load_bundle(options.ca_file)
    else:
        anchors = load_bundle(TrustStoresRepository.get_default().get_main_store().path)
    results: dict[int, TlsResult] = {}
    requests: dict[Any, int] = {}
    pending: list[ServerScanRequest] = []
    for index, endpoint in enumerate(endpoints):
        try:
            request = _request(endpoint, options)
        except OSError as exc:
            issue = TlsIssue(
                "UD-TLS-011", Severity.CRITICAL, f"cannot resolve {endpoint.host}: {exc}"
            )
            results[index] = TlsResult(endpoint, options.profile, issues=(issue,))
            continue
        requests[request.uuid] = index
        pending.append(request)
    if pending:
        scanner = Scanner(
            per_server_concurrent_connections_limit=4, concurrent_server_scans_limit=4
        )
        scanner.queue_scans(pending)
        for scan in scanner.get_results():
            index = requests[scan.uuid]
            results[index] = _judge(endpoints[index], scan, options, profile, anchors)
    return [results[i] for i in range(len(endpoints))]

"""TLS configuration of live endpoints, scanned with sslyze and judged against Mozilla's profiles.

Input: endpoints (HOST:PORT, optional SNI name, optional CA bundle). Output: one `TlsResult` per
endpoint with protocols, issues and certificate facts. Which hosts are contacted is the caller's
choice.
"""

from __future__ import annotations

from collections.abc import Sequence

from unideploy.security.endpoints import Endpoint
from unideploy.security.tls.judge import TlsOptions, TlsResult
from unideploy.security.tls.sslyze_scan import scan_endpoints


def check_tls(endpoints: Sequence[Endpoint], options: TlsOptions | None = None) -> list[TlsResult]:
    """Scan every endpoint with sslyze and judge it; unreachable endpoints get an error issue."""
    return scan_endpoints(endpoints, options or TlsOptions())

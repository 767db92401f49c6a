"""Network endpoints as the security commands take them: HOST:PORT plus an optional SNI name.

Parsing and discovery from objects only; TLS and certificate probes connect to what this describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unideploy.errors import ConfigError


@dataclass(frozen=True)
class Endpoint:
    """A TLS endpoint: where to connect and which server name to ask for."""

    host: str
    port: int = 443
    server_name: str | None = None

    @property
    def servername(self) -> str:
        """The SNI name sent and matched against the certificate (the host when not given)."""
        return self.server_name or self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_endpoint(text: str, server_name: str | None = None) -> Endpoint:
    """Parse `host`, `host:port` or `[v6]:port`; the port defaults to 443."""
    raw = text.strip()
    host, port_text = raw, ""
    if raw.startswith("["):
        close = raw.find("]")
        if close < 0:
            raise ConfigError(f"endpoint {text!r} opens '[' without closing it", hint="[::1]:443")
        host, port_text = raw[1:close], raw[close + 1 :].removeprefix(":")
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    if not host:
        raise ConfigError(
            f"endpoint {text!r} has no host", hint="write HOST:PORT, e.g. 127.0.0.1:8443"
        )
    port = 443
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(
                f"endpoint {text!r} has port {port_text!r}, not a number from 1 to 65535",
                hint="write HOST:PORT, e.g. grafana.lab.example:443",
            )
        port = int(port_text)
    return Endpoint(host=host, port=port, server_name=server_name or None)


TLS_SERVICE_PORTS = frozenset({443, 8443, 9443})


def endpoints_from_objects(objects: Iterable[Mapping[str, Any]]) -> list[Endpoint]:
    """TLS endpoints of a stack: Ingress TLS hosts and LoadBalancer Services on 443/8443/9443.

    Ingress hosts are reached on 443 by name, Services at their assigned address. Objects are
    plain dicts as rendered or as served; duplicates are dropped and order is kept.
    """
    found: dict[tuple[str, int, str | None], Endpoint] = {}
    for obj in objects:
        kind, spec = obj.get("kind"), obj.get("spec") or {}
        if kind == "Ingress":
            for block in spec.get("tls") or []:
                for host in block.get("hosts") or []:
                    if "*" not in str(host):
                        endpoint = Endpoint(str(host), 443)
                        found.setdefault((endpoint.host, 443, None), endpoint)
        elif kind == "Service" and spec.get("type") == "LoadBalancer":
            status = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            addresses = [str(a.get("ip") or a.get("hostname")) for a in status if a]
            ports = [p.get("port") for p in spec.get("ports") or []]
            for address in addresses:
                for port in ports:
                    if port in TLS_SERVICE_PORTS:
                        endpoint = Endpoint(address, int(port))
                        found.setdefault((address, int(port), None), endpoint)
    return list(found.values())

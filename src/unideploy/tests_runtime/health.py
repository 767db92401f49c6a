"""The production health check: nodes, system pods, workloads, endpoints, load balancers, certs.

Reads the live cluster only (lists, never writes) and judges each area with the same rules the
k8s tests use; certificates by expiry (warn 30 d, critical 7 d). `unideploy health` renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from unideploy.errors import EngineError
from unideploy.tests_runtime.k8s import (
    NODES,
    PODS,
    SERVICES,
    SLICES,
    WORKLOADS,
    Item,
    MissingApi,
    assessed_items,
    endpoint_items,
    list_objects,
    node_items,
    pod_items,
)

SYSTEM_NAMESPACES = ("kube-system",)


@dataclass(frozen=True)
class Area:
    """One area of the health check: ok, warning or failed, with the objects behind it."""

    name: str
    status: str
    message: str
    items: tuple[Item, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """JSON shape of an area."""
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "objects": [{"object": o, "ok": ok, "message": why} for o, ok, why in self.items],
        }


@dataclass(frozen=True)
class Health:
    """Every area; healthy only when none failed."""

    areas: tuple[Area, ...]

    @property
    def healthy(self) -> bool:
        """True when no area failed (warnings allowed)."""
        return all(a.status != "failed" for a in self.areas)

    def to_json(self) -> dict[str, Any]:
        """JSON shape of the whole check."""
        return {"healthy": self.healthy, "areas": [a.to_json() for a in self.areas]}


def area_of(name: str, items: list[Item], empty_ok: bool = True) -> Area:
    """Judge one area from its objects: failed when one is not ok (or none exist, if required)."""
    bad = [f"{o}: {why}" for o, ok, why in items if not ok]
    if bad:
        more = f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""
        return Area(
            name,
            "failed",
            f"{len(bad)}/{len(items)} not ok: " + "; ".join(bad[:3]) + more,
            tuple(items),
        )
    if not items:
        return Area(name, "ok" if empty_ok else "failed", "none found", ())
    return Area(name, "ok", f"{len(items)} ok", tuple(items))


def load_balancer_items(services: Sequence[dict[str, Any]]) -> list[Item]:
    """Each LoadBalancer Service, ok once it has an address."""
    found = []
    for svc in services:
        if (svc.get("spec") or {}).get("type") != "LoadBalancer":
            continue
        meta = svc.get("metadata") or {}
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        address = (ingress[0].get("ip") or ingress[0].get("hostname")) if ingress else None
        label = f"service/{meta.get('namespace')}/{meta.get('name')}"
        found.append((label, bool(address), f"address {address}" if address else "no address yet"))
    return found


def _certificates(client: Any) -> Area:
    from unideploy.security.audit.fetch import fetch_tls_sources
    from unideploy.security.certs import expiry as certs_lib

    secrets, resources = fetch_tls_sources(client)
    results = certs_lib.check_tls_secrets(secrets)
    results += certs_lib.check_certificate_resources(resources)
    items = [(r.source, r.status.value in ("ok", "warning"), r.message) for r in results]
    area = area_of("certificates", items)
    warnings = [r for r in results if r.status.value == "warning"]
    if area.status == "ok" and warnings:
        message = f"{len(warnings)} expiring soon: {warnings[0].message}"
        return Area("certificates", "warning", message, area.items)
    return area


def check_health(client: Any, system_namespaces: Sequence[str] = SYSTEM_NAMESPACES) -> Health:
    """Read the cluster and judge every area; an area that cannot be read is failed."""
    services: list[dict[str, Any]] = []

    def nodes() -> Area:
        return area_of("nodes", node_items(list_objects(client, NODES)), empty_ok=False)

    def system_pods() -> Area:
        pods = [p for ns in system_namespaces for p in list_objects(client, PODS, ns)]
        return area_of("system pods", pod_items(pods))

    def workloads() -> Area:
        objects = [o for kind in WORKLOADS for o in list_objects(client, kind)]
        return area_of("workloads", assessed_items(objects))

    def endpoints() -> Area:
        services.extend(list_objects(client, SERVICES))
        return area_of("endpoints", endpoint_items(services, list_objects(client, SLICES)))

    def load_balancers() -> Area:
        return area_of("load balancers", load_balancer_items(services))

    def certificates() -> Area:
        return _certificates(client)

    checks: list[tuple[str, Callable[[], Area]]] = [
        ("nodes", nodes),
        ("system pods", system_pods),
        ("workloads", workloads),
        ("endpoints", endpoints),
        ("load balancers", load_balancers),
        ("certificates", certificates),
    ]
    areas = []
    for name, check in checks:
        try:
            areas.append(check())
        except (OSError, MissingApi, EngineError) as exc:
            areas.append(Area(name, "failed", f"could not read: {exc}"))
    return Health(tuple(areas))

"""LoadBalancer Services get an address, in the spirit of k3s ServiceLB — always on loopback.

Run by sandbox-controllers once a second. A LoadBalancer Service without a `loadBalancerClass`
gets `status.loadBalancer.ingress[0].ip`, so the API and readiness waits see what they would in
k3s. Addresses come from 127.240.0.0/16 and never from anywhere else: the sandbox hands out no
address a packet could leave this machine for.

MetalLB: when `IPAddressPool` objects (metallb.io/v1beta1) exist, they decide — the pool named by
the Service's `metallb.universe.tf/address-pool` (or `metallb.io/address-pool`) annotation, else
the first pool with autoAssign — and a pool's size caps how many Services it serves. The address
written is the loopback stand-in for the pool's n-th address (127.241.<pool>.<n>); the pool
address it stands for is logged (the Service object itself is never changed, only its status).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from unideploy.sandbox.api import ApiClient

DEFAULT_POOL = ipaddress.ip_network("127.240.0.0/16")
POOL_ANNOTATIONS = ("metallb.universe.tf/address-pool", "metallb.io/address-pool")
POOLS = "/apis/metallb.io/v1beta1/ipaddresspools"
MAX_POOL = 254


def pool_addresses(spec_addresses: list[str]) -> list[str]:
    """Expand a pool's `addresses` (CIDRs and `a-b` ranges) to at most MAX_POOL addresses."""
    found: list[str] = []
    for entry in spec_addresses:
        try:
            if "-" in entry:
                first, last = (ipaddress.ip_address(part.strip()) for part in entry.split("-", 1))
                current = first
                while current <= last and len(found) < MAX_POOL:  # type: ignore[operator]
                    found.append(str(current))
                    current += 1
            else:
                net = ipaddress.ip_network(entry.strip(), strict=False)
                hosts: Iterator[Any] = iter(net) if net.num_addresses <= 2 else net.hosts()
                for address in hosts:
                    if len(found) >= MAX_POOL:
                        break
                    found.append(str(address))
        except ValueError:
            continue
    return found[:MAX_POOL]


def _wants_address(svc: dict[str, Any]) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass")


def _current(svc: dict[str, Any]) -> str | None:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return str(ingress[0].get("ip")) if ingress and ingress[0].get("ip") else None


def _pool_for(
    svc: dict[str, Any], pools: list[dict[str, Any]]
) -> tuple[int, dict[str, Any]] | None:
    notes = (svc.get("metadata") or {}).get("annotations") or {}
    wanted = next((notes[key] for key in POOL_ANNOTATIONS if key in notes), None)
    for index, pool in enumerate(pools):
        name = (pool.get("metadata") or {}).get("name")
        auto = (pool.get("spec") or {}).get("autoAssign", True)
        if (wanted is not None and name == wanted) or (wanted is None and auto):
            return index, pool
    return None


def assign(api: ApiClient) -> list[str]:
    """Give every LoadBalancer Service that lacks one an address; return 'ns/name=ip' lines."""
    services = [svc for svc in api.items("/api/v1/services") if _wants_address(svc)]
    taken = {ip for svc in services if (ip := _current(svc))}
    pools = api.items(POOLS)
    assigned: list[str] = []
    for svc in services:
        if _current(svc):
            continue
        meta = svc.get("metadata") or {}
        note = ""
        if pools:
            chosen = _pool_for(svc, pools)
            if chosen is None:
                continue  # as MetalLB: no pool fits, the Service stays pending
            index, pool = chosen
            real = pool_addresses((pool.get("spec") or {}).get("addresses") or [])
            free = [
                (n, addr) for n, addr in enumerate(real) if f"127.241.{index}.{n + 1}" not in taken
            ]
            if not free:
                continue  # the pool is exhausted
            n, stands_for = free[0]
            address = f"127.241.{index}.{n + 1}"
            pool_name = (pool.get("metadata") or {}).get("name")
            note = f" (stands for {stands_for} of IPAddressPool {pool_name})"
        else:
            address = next(str(a) for a in DEFAULT_POOL.hosts() if str(a) not in taken)
        path = f"/api/v1/namespaces/{meta.get('namespace')}/services/{meta.get('name')}"
        answer = api.merge_patch(
            f"{path}/status", {"status": {"loadBalancer": {"ingress": [{"ip": address}]}}}
        )
        if answer.status == 200:
            taken.add(address)
            assigned.append(f"{meta.get('namespace')}/{meta.get('name')}={address}{note}")
    return assigned

"""The sandbox's own network namespace: create it, bring loopback up, prove it holds nothing else.

Every sandbox component runs in a network namespace that has one interface, `lo`, and no route:
a dial to any address outside 127.0.0.0/8 (a Service ClusterIP, a pod IP, a node address, a
LoadBalancer address, the internet) fails in the kernel with "network is unreachable" before a
packet is built. `bridge` creates the namespace; `core` starts the other components inside it with
nsenter. `report(pid)` reads /proc to tell what a process's namespace can reach and what it is
connected to (the isolation test and `sandbox status` use it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import ipaddress
import os
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
LOOPBACK_NET = ipaddress.ip_network("127.0.0.0/8")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def unshare_net() -> None:
    """Move the calling process (its main thread) into a new, empty network namespace."""
    if _libc().unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)}")


def unshare_net_as_user() -> None:
    """Without root: a new user namespace (our uid as its root) owning a new network namespace.

    Needs unprivileged user namespaces (most distributions allow them) and a single-threaded
    caller. The processes later joined to it keep their own uid outside.
    """
    uid, gid = os.getuid(), os.getgid()
    if _libc().unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWUSER|CLONE_NEWNET): {os.strerror(errno)}")
    Path("/proc/self/setgroups").write_text("deny", encoding="ascii")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1", encoding="ascii")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1", encoding="ascii")


def loopback_up() -> None:
    """Set `lo` up in the current namespace (the kernel then gives it 127.0.0.1/8 and ::1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0) + b"\0" * 22
        flags = struct.unpack("16sH", fcntl.ioctl(sock, _SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP) + b"\0" * 22)


def ns_inode(pid: int | str = "self") -> int:
    """Return the inode identifying the network namespace of `pid`."""
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def ns_path(pid: int, kind: str = "net") -> str:
    """Return the /proc path nsenter uses to join the `kind` namespace of `pid`."""
    return f"/proc/{pid}/ns/{kind}"


def _hex_addr(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Decode a /proc/net/tcp{,6} address (host byte order words) to an address object."""
    raw = bytes.fromhex(text)
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    address = ipaddress.IPv6Address(words)
    return address.ipv4_mapped or address


def _local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_unspecified or address.is_loopback or address in LOOPBACK_NET


def sockets_outside_loopback(table: str) -> list[str]:
    """Return 'local -> remote' for each socket in a /proc/net/tcp{,6} text not on loopback."""
    found: list[str] = []
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 3:
            continue
        (local_hex, local_port), (remote_hex, remote_port) = (
            fields[1].split(":"),
            fields[2].split(":"),
        )
        local, remote = _hex_addr(local_hex), _hex_addr(remote_hex)
        if not (_local(local) and _local(remote)):
            found.append(f"{local}:{int(local_port, 16)} -> {remote}:{int(remote_port, 16)}")
    return found


def interfaces(dev_text: str) -> list[str]:
    """Return the interface names listed in a /proc/net/dev text."""
    return [line.split(":", 1)[0].strip() for line in dev_text.splitlines()[2:] if ":" in line]


def routes(route_text: str) -> list[str]:
    """Return 'iface destination/mask' for every IPv4 route in a /proc/net/route text."""
    found: list[str] = []
    for line in route_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8:
            found.append(f"{fields[0]} {_hex_addr(fields[1])}/{_hex_addr(fields[7])}")
    return found


@dataclass(frozen=True)
class Isolation:
    """What the network namespace of one process holds."""

    pid: int
    interfaces: tuple[str, ...]
    routes: tuple[str, ...]
    outside: tuple[str, ...] = field(default=())

    @property
    def problems(self) -> list[str]:
        """Everything that would let a packet leave 127.0.0.0/8 (empty when isolated)."""
        found = [f"interface {name}" for name in self.interfaces if name != "lo"]
        found += [f"route {route}" for route in self.routes]
        found += [f"socket {sock}" for sock in self.outside]
        return found


def report(pid: int, proc: Path = Path("/proc")) -> Isolation:
    """Read the interfaces, IPv4 routes and TCP/UDP sockets of `pid`'s network namespace."""
    net = proc / str(pid) / "net"

    def read(name: str) -> str:
        try:
            return (net / name).read_text(encoding="ascii")
        except FileNotFoundError:
            return ""

    outside = [
        sock
        for table in ("tcp", "tcp6", "udp", "udp6")
        for sock in sockets_outside_loopback(read(table))
    ]
    return Isolation(
        pid=pid,
        interfaces=tuple(interfaces(read("dev"))),
        routes=tuple(routes(read("route"))),
        outside=tuple(outside),
    )

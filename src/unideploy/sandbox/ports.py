"""Pick free TCP ports on 127.0.0.1 and tell whether something still listens on one.

Used by `core` at `up` (the API's port of the last start when it is free again, else one the
kernel picks) and at `down` (no port left behind).
"""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """Return `count` distinct ports the kernel reports free on 127.0.0.1 right now."""
    with ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def port_for(preferred: int | None) -> int:
    """`preferred` when it can be bound on 127.0.0.1 right now, else a free port.

    A sandbox that comes back on its old port keeps its server URL: a kubeconfig copied elsewhere
    still reaches it, and client-go's caches (`~/.kube/cache`, one directory per host and port)
    are reused instead of growing by one set per start.
    """
    if preferred is not None and 0 < preferred < 65536 and bindable(preferred):
        return preferred
    return free_ports(1)[0]


def bindable(port: int) -> bool:
    """Whether a listener could bind 127.0.0.1:`port` now, as the bridge binds (SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def listening(port: int, timeout: float = 0.5) -> bool:
    """Whether a TCP connect to 127.0.0.1:`port` succeeds."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_closed(ports: list[int], timeout: float) -> list[int]:
    """Wait until nothing listens on `ports`; return those still open when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    still = [port for port in ports if listening(port)]
    while still and time.monotonic() < deadline:
        time.sleep(0.1)
        still = [port for port in still if listening(port)]
    return still

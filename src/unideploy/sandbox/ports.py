"""Pick free TCP ports on 127.0.0.1 and tell whether something still listens on one.

Used by `core` at `up` (random free ports for every listener) and at `down` (no port left behind).
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

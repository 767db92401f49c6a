"""A real Pushgateway (Debian prometheus-pushgateway) on a free 127.0.0.1 port, for tests."""

from __future__ import annotations

import os
import shutil
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from unideploy.engines.process import spawn

CANDIDATES = ("/usr/bin/prometheus-pushgateway", "/usr/bin/pushgateway")


def binary() -> str:
    for candidate in (shutil.which("prometheus-pushgateway"), *CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    reason = "prometheus-pushgateway not installed (apt-get install prometheus-pushgateway)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[str]:
    """A fresh Pushgateway (in-memory) on a free 127.0.0.1 port; its URL."""
    binary_path = binary()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "pushgateway.log").open("wb") as log:
        argv = [
            binary_path,
            f"--web.listen-address=127.0.0.1:{port}",
            # Debian defaults to a shared persistence file; each test gets its own.
            f"--persistence.file={tmp_path / 'pushgateway.data'}",
        ]
        proc = spawn(argv, log=log)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    get(f"{url}/-/ready")
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(
                            "pushgateway did not start: "
                            + (tmp_path / "pushgateway.log").read_text()[-500:]
                        )
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)

"""Chart repositories in a network namespace of their own: a Helm HTTP repository and an OCI
registry, both over TLS on 127.0.0.1 with a throwaway CA, in a namespace whose only interface is
`lo`. Clients join the namespace (`Loopback.inside`), so nothing they dial can leave the machine.

The test side is `serving()`; the same module, run as `python -m tests.support.loopback_repos`,
is the server process it starts inside `unshare -n`.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as hp
from tests.checks.tlskit import make_ca, make_leaf
from tests.support.chart_repo import ChartRepo
from tests.support.oci_registry import Server, Store, handler_for

from unideploy.engines.process import spawn

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Loopback:
    """The running servers: the repository and registry addresses, the CA clients must trust."""

    pid: int
    repo_url: str  # https://127.0.0.1:PORT (charts under /<repository name>/)
    oci_host: str  # 127.0.0.1:PORT
    ca_file: Path

    def inside(self, argv: Sequence[str]) -> list[str]:
        """`argv` run in the servers' network namespace (in their user namespace when not root)."""
        join = ["--net"] if os.geteuid() == 0 else ["--user", "--net", "--preserve-credentials"]
        return ["nsenter", "--target", str(self.pid), *join, "--", *argv]

    def env(self) -> dict[str, str]:
        """What Go clients (helm, helmfile, the Helm SDK) need to trust the servers."""
        return {"SSL_CERT_FILE": str(self.ca_file)}


@contextmanager
def serving(
    workdir: Path,
    http_charts: Mapping[str, Sequence[Path]],
    oci_charts: Mapping[str, Sequence[Path]],
) -> Iterator[Loopback]:
    """Serve `http_charts` (repository name -> chart directories) under /<name>/ of the HTTP
    repository and push `oci_charts` (registry path -> chart directories) to the registry, until
    the block ends. Charts are packaged by the Helm SDK; the push is Helm's own."""
    workdir.mkdir(parents=True, exist_ok=True)
    ca = make_ca(workdir / "tls")
    leaf = make_leaf(workdir / "tls", "server", ca=ca, dns=("localhost",), ips=("127.0.0.1",))
    root = workdir / "repo"
    for name, charts in http_charts.items():
        for chart in charts:
            hp.package(chart, destination=root / name)
        hp.repo_index_generate(root / name)  # relative URLs: resolved against the repository's
    argv = [sys.executable, "-m", "tests.support.loopback_repos", "--cert", str(leaf.cert_path)]
    argv += ["--key", str(leaf.key_path), "--root", str(root)]
    for path, charts in oci_charts.items():
        for chart in charts:
            argv += ["--push", f"{path}={hp.package(chart, destination=workdir / 'oci')}"]
    script = 'ip link set lo up && exec "$@"'
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir)}
    env |= {"SSL_CERT_FILE": str(ca.cert_path), "PYTHONPATH": str(REPO)}
    log_path = workdir / "servers.log"
    with log_path.open("wb") as log:
        process = spawn([*unshare, "sh", "-c", script, "sh", *argv], log=log, cwd=REPO, env=env)
    try:
        ready = _ready(log_path, process.poll)
        yield Loopback(process.pid, ready["repo"], ready["oci"], ca.cert_path)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(log_path: Path, poll: Any) -> dict[str, str]:
    """The servers' addresses, from the first line they print."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        lines = log_path.read_text(errors="replace").splitlines()
        for line in lines:
            if line.startswith("{"):
                found: dict[str, str] = json.loads(line)
                return found
        if poll() is not None:
            raise RuntimeError(f"the chart servers exited: {' '.join(lines[-20:])}")
        time.sleep(0.1)
    raise TimeoutError(f"the chart servers did not start in {READY_TIMEOUT_S} s: {log_path}")


def _serve(server: Any, context: ssl.SSLContext) -> None:
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(args: Sequence[str] | None = None) -> None:
    """The server process: run both servers, push the OCI charts, print the addresses, serve."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--push", action="append", default=[])
    options = parser.parse_args(args)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)
    options.root.mkdir(parents=True, exist_ok=True)
    repo = ChartRepo(options.root)
    _serve(repo.server, context)
    registry = Server(("127.0.0.1", 0), handler_for(Store()))
    _serve(registry, context)
    oci_host = f"127.0.0.1:{registry.server_address[1]}"
    for spec in options.push:
        path, archive = spec.split("=", 1)
        hp.push(archive, f"oci://{oci_host}/{path}")
    repo_url = f"https://127.0.0.1:{repo.server.server_address[1]}"
    print(json.dumps({"repo": repo_url, "oci": oci_host}), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

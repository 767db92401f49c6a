"""The sandbox's first process: it creates the sandbox network namespace and is the way into it.

`python -m unideploy.sandbox.bridge --port P --target-port 6443 --ready FILE`:

1. binds 127.0.0.1:P in the host's network namespace (the address in the user's kubeconfig);
2. moves itself into a new network namespace with only `lo` (see netns) — every other component
   is started inside this namespace by `core`, through nsenter on /proc/<this pid>/ns/net;
3. writes FILE, then relays each connection accepted on P to 127.0.0.1:6443 *inside* the
   namespace, where kube-apiserver listens.

The listening socket was made before the move, so it keeps serving the host; every socket made
after it belongs to the sandbox namespace. The bridge carries bytes only: TLS is end to end
between the client and kube-apiserver.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
from pathlib import Path

from unideploy.sandbox import netns

CHUNK = 65536


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes from `source` to `sink` until EOF, then half-close `sink`."""
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket, target_port: int) -> None:
    with client:
        try:
            upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
        except OSError:
            return  # the apiserver is not listening yet: the client sees a closed connection
        with upstream:
            upstream.settimeout(None)
            # Forward each chunk at once: with Nagle's algorithm a request's body, sent right
            # after its headers, waits for the peer's delayed ACK (40 ms on Linux) on every write.
            for end in (client, upstream):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
            back.start()
            _pump(client, upstream)
            back.join()


def serve(listener: socket.socket, target_port: int) -> None:
    """Accept forever; one thread pair per connection."""
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(client, target_port), daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """Bind, isolate, announce readiness, relay."""
    parser = argparse.ArgumentParser(prog="unideploy-sandbox-bridge")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--ready", type=Path, required=True)
    args = parser.parse_args(argv)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # The port of the sandbox's last start is asked for again: connections of that run may still
    # be in TIME_WAIT on it, which would refuse a plain bind for a minute.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", args.port))
    except OSError as exc:
        # core recognises "address already in use" and starts over with another port.
        print(
            f"bridge: cannot bind 127.0.0.1:{args.port}: {(exc.strerror or str(exc)).lower()}",
            flush=True,
        )
        return 1
    listener.listen(128)
    mode = "root"
    try:
        try:
            netns.unshare_net()
        except PermissionError:
            netns.unshare_net_as_user()  # no root: a user namespace of our own owns the netns
            mode = "user"
        netns.loopback_up()
    except OSError as exc:
        print(
            f"bridge: cannot create the sandbox network namespace: {exc} "
            "(needs root or CAP_SYS_ADMIN; the sandbox never falls back to the host network)",
            flush=True,
        )
        return 3
    tmp = args.ready.with_name(args.ready.name + ".tmp")
    tmp.write_text(f"{netns.ns_inode()} {mode}\n", encoding="ascii")
    tmp.replace(args.ready)
    print(
        f"bridge: 127.0.0.1:{args.port} (host) -> 127.0.0.1:{args.target_port} "
        f"(sandbox network namespace {netns.ns_inode()}, interfaces: lo only, as {mode})",
        flush=True,
    )
    serve(listener, args.target_port)
    return 0


if __name__ == "__main__":
    sys.exit(main())

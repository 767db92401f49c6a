"""Unit tests: the sandbox bridge relays bytes both ways, each end without Nagle's delay."""

from __future__ import annotations

import socket
import threading

import pytest

from unideploy.sandbox import bridge


def test_relay_copies_both_ways_with_nodelay_on_both_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upstream_server = socket.create_server(("127.0.0.1", 0))
    listener = socket.create_server(("127.0.0.1", 0))
    opened: list[socket.socket] = []
    real_connect = socket.create_connection

    def connect(*args: object, **kwargs: object) -> socket.socket:
        sock = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(sock)
        return sock

    monkeypatch.setattr(socket, "create_connection", connect)
    accepted: list[socket.socket] = []

    class Listener:
        """The listening socket, keeping what it accepts."""

        def accept(self) -> tuple[socket.socket, object]:
            client, address = listener.accept()
            accepted.append(client)
            return client, address

    port = upstream_server.getsockname()[1]
    threading.Thread(target=bridge.serve, args=(Listener(), port), daemon=True).start()

    with real_connect(listener.getsockname(), timeout=5) as client:
        server_side, _ = upstream_server.accept()
        with server_side:
            head, body = b"PATCH /x HTTP/1.1\r\n\r\n", b'{"body": true}'
            client.sendall(head)
            client.sendall(body)
            received = b""
            while len(received) < len(head + body):
                received += server_side.recv(64)
            server_side.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
            assert client.recv(64) == b"HTTP/1.1 200 OK\r\n\r\n"
        assert received == b'PATCH /x HTTP/1.1\r\n\r\n{"body": true}'
        ends = [*accepted, *opened]
        assert len(ends) == 2
        assert all(end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for end in ends)
    listener.close()
    upstream_server.close()

"""The sandbox's API port: the last start's when it is free again, else one the kernel picks."""

from __future__ import annotations

import socket

from unideploy.sandbox.ports import bindable, free_ports, port_for


def test_the_last_port_is_taken_again_when_nothing_holds_it() -> None:
    (free,) = free_ports(1)
    assert port_for(free) == free


def test_a_port_another_program_listens_on_is_not_taken_again() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = int(squatter.getsockname()[1])
        assert not bindable(taken)
        chosen = port_for(taken)
        assert chosen != taken and bindable(chosen)


def test_a_port_left_in_time_wait_by_the_last_run_can_be_taken_again() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server side closes first: its end waits in TIME_WAIT
        client.close()
    assert port_for(port) == port


def test_no_last_port_or_a_nonsense_one_gets_a_free_port() -> None:
    for preferred in (None, 0, 70000):
        chosen = port_for(preferred)
        assert 0 < chosen < 65536 and bindable(chosen)

"""Preflight checks the environment's external endpoints: reachable passes, closed fails."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from unideploy.cli.main import main


@pytest.fixture
def listening() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def endpoints_step(
    make_stack: Callable[..., Path], endpoints: list[str], capsys: pytest.CaptureFixture[str]
) -> dict[str, object]:
    root = make_stack()
    text = (
        (root / "stack.yaml")
        .read_text()
        .replace(
            "    values: [env/development.yaml]\n",
            f"    values: [env/development.yaml]\n    endpoints: [{', '.join(endpoints)}]\n",
        )
    )
    (root / "stack.yaml").write_text(text)
    main(["--stack", str(root), "validate", "-e", "development", "--pre-deployment", "-o", "json"])
    record = json.loads(capsys.readouterr().out)["environments"][0]
    steps = {s["id"]: s for p in record["phases"] for s in p["steps"]}
    step: dict[str, object] = steps["preflight/endpoints"]
    return step


def test_reachable_endpoints_pass(
    make_stack: Callable[..., Path], listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    step = endpoints_step(make_stack, [f"127.0.0.1:{listening}"], capsys)
    assert step["status"] == "succeeded"
    assert step["reason"] == "1 endpoint(s) reachable"


def test_a_closed_endpoint_fails_and_is_named(
    make_stack: Callable[..., Path], listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = closed_port()
    step = endpoints_step(make_stack, [f"127.0.0.1:{listening}", f"127.0.0.1:{closed}"], capsys)
    assert step["status"] == "failed"
    assert f"127.0.0.1:{closed}" in str(step["reason"])
    assert f"127.0.0.1:{listening}" not in str(step["reason"])


def test_an_endpoint_without_a_port_is_a_config_error(
    make_stack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_stack()
    text = (
        (root / "stack.yaml")
        .read_text()
        .replace(
            "    values: [env/development.yaml]\n",
            "    values: [env/development.yaml]\n    endpoints: [registry.example]\n",
        )
    )
    (root / "stack.yaml").write_text(text)
    assert main(["--stack", str(root), "validate"]) == 2
    assert "endpoints" in capsys.readouterr().err

"""The pieces every engine shares: reading output lines, and interrupting Terraform only once."""

from __future__ import annotations

import json
import threading
import time

from unideploy.engines.terraform.core import Collector, Interrupter


def test_collector_separates_json_events_from_plain_text_and_notices_interrupts() -> None:
    collector = Collector()
    collector.feed(json.dumps({"@message": "Terraform 1.15.5", "type": "version"}) + "\n")
    collector.feed('{"format_version": "1.2", "resource_changes": []}\n')  # show -json
    collector.feed("plain stderr text\n")
    collector.feed("{ not json }\n")
    assert not collector.interrupt_seen.is_set()
    collector.feed(json.dumps({"@message": "\nInterrupt received.\nPlease wait", "type": "log"}))
    assert [e["type"] for e in collector.events] == ["version", "log"]
    assert collector.text == [
        '{"format_version": "1.2", "resource_changes": []}',
        "plain stderr text",
        "{ not json }",
    ]
    assert collector.interrupt_seen.is_set()


def test_interrupter_sends_once_however_often_it_is_asked() -> None:
    sent: list[float] = []
    interrupter = Interrupter(lambda: sent.append(time.monotonic()), threading.Event(), 0.0)
    for _ in range(3):
        interrupter.request()
    assert len(sent) == 1 and interrupter.requested


def test_interrupter_does_not_send_when_terraform_already_got_the_terminals_interrupt() -> None:
    sent: list[bool] = []
    seen = threading.Event()
    interrupter = Interrupter(lambda: sent.append(True), seen, 2.0)
    threading.Timer(0.1, seen.set).start()
    started = time.monotonic()
    interrupter.request()
    assert sent == [] and interrupter.requested
    assert time.monotonic() - started < 1.5


def test_interrupter_sends_after_the_grace_period_when_terraform_saw_nothing() -> None:
    sent: list[bool] = []
    interrupter = Interrupter(lambda: sent.append(True), threading.Event(), 0.2)
    started = time.monotonic()
    interrupter.request()
    assert sent == [True]
    assert time.monotonic() - started >= 0.2

"""Webhook notifications received by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from unideploy.execute.events import RunFinished
from unideploy.execute.result import PhaseResult, RunResult, StackRevision, Status, StepResult
from unideploy.observe.notify import NotifyListener, message, notify_run, post_json, shown_url

pytestmark = pytest.mark.clock

AT = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


class Hook:
    """A webhook receiver answering with the next planned status code (then 200)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.planned: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                code = hook.planned.pop(0) if hook.planned else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/secret-token"


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def failed_run() -> RunResult:
    step = StepResult(
        "helm/grafana", "helm:monitoring", Status.ROLLED_BACK, "not ready: 0/1 replicas"
    )
    return RunResult(
        run_id="0194-run",
        environment="production",
        status=Status.FAILED,
        started_at=AT,
        finished_at=AT + timedelta(seconds=252),
        revision=StackRevision("abcdef0123456789", False),
        phases=(PhaseResult("helm:monitoring", Status.FAILED, steps=(step,)),),
    )


def ok_run(**flags: Any) -> RunResult:
    return RunResult(
        run_id="0195-run",
        environment="staging",
        status=Status.CHANGED,
        started_at=AT,
        finished_at=AT + timedelta(seconds=42),
        flags=flags,
    )


def test_a_failure_names_the_failed_step(hook: Hook) -> None:
    assert notify_run(failed_run(), hook.url, backoff=0) == []

    body = hook.bodies[0]
    assert body["environment"] == "production"
    assert body["result"] == "failed"
    assert body["run_id"] == "0194-run"
    assert body["failed_step"] == "helm/grafana"
    assert body["duration_seconds"] == 252
    assert "production deployment failed in 4m 12s" in body["text"]
    assert "helm/grafana: not ready" in body["text"]
    assert body["attachments"][0]["color"] == "danger"


def test_a_success_is_announced_too(hook: Hook) -> None:
    assert notify_run(ok_run(), hook.url, backoff=0) == []

    body = hook.bodies[0]
    assert (body["result"], body["failed_step"]) == ("succeeded", None)
    assert body["text"].startswith(":white_check_mark: staging deployment succeeded in 42s")


def test_server_errors_are_retried_three_times(hook: Hook) -> None:
    hook.planned = [503, 500, 502]
    waits: list[float] = []

    assert post_json(hook.url, message(ok_run()), backoff=0.5, sleep=waits.append) == []

    assert len(hook.bodies) == 4
    assert waits == [0.5, 1.0, 2.0]


def test_a_webhook_that_keeps_failing_is_a_warning_without_its_token(hook: Hook) -> None:
    hook.planned = [500] * 10

    warnings = post_json(hook.url, message(ok_run()), backoff=0, sleep=lambda _s: None)

    assert len(hook.bodies) == 4  # one try and 3 retries
    assert len(warnings) == 1 and "after 4 attempt(s): HTTP 500" in warnings[0]
    assert "secret-token" not in warnings[0]


def test_a_client_error_is_not_retried(hook: Hook) -> None:
    hook.planned = [404]

    warnings = post_json(hook.url, message(ok_run()), backoff=0)

    assert len(hook.bodies) == 1
    assert "HTTP 404" in warnings[0]


def test_an_unreachable_webhook_never_raises() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_port
    url = f"http://127.0.0.1:{port}/hook"

    warnings = notify_run(failed_run(), url, backoff=0, timeout=2)

    assert len(warnings) == 1 and "not delivered" in warnings[0]


def test_dry_runs_and_missing_urls_send_nothing(hook: Hook) -> None:
    assert notify_run(ok_run(dry_run=True), hook.url) == []
    assert notify_run(ok_run(), None) == []
    assert hook.bodies == []


def test_the_listener_posts_once_when_the_run_finishes(hook: Hook) -> None:
    listener = NotifyListener(hook.url, backoff=0)

    listener(RunFinished(result=failed_run()))

    assert [b["run_id"] for b in hook.bodies] == ["0194-run"]
    assert listener.warnings == []


def test_shown_urls_hide_paths_and_users() -> None:
    assert shown_url("https://hooks.slack.com/services/T0/B0/xyz") == "https://hooks.slack.com/…"
    assert shown_url("http://user:pw@127.0.0.1:9091") == "http://127.0.0.1:9091"

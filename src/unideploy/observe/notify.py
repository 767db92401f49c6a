"""Tell a chat webhook how a run ended: a Slack-compatible JSON body, posted after RunFinished.

Reads a finished RunResult only. Delivery is retried (3 retries by default) and never fails the
deploy: problems come back as warnings. Webhook URLs carry tokens, so they are never shown whole.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from unideploy.execute.events import Event, RunFinished
from unideploy.execute.result import OK_STATUSES, RunResult, StepResult

LOG = logging.getLogger("unideploy.observe.notify")
RETRIES = 3
RETRYABLE_HTTP = (408, 425, 429, 500, 502, 503, 504)


def shown_url(url: str) -> str:
    """The URL as it may be shown: scheme, host and port only (paths and users hold tokens)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "<webhook>"
    port = f":{parts.port}" if parts.port else ""
    tail = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{parts.hostname}{port}{tail}"


def human_duration(seconds: float) -> str:
    """12.3 → "12s", 252 → "4m 12s", 3720 → "1h 2m"."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def failed_step(result: RunResult) -> StepResult | None:
    """The first step that failed (or was rolled back), if any."""
    return next((step for step in result.steps if step.status.is_failure), None)


def message(result: RunResult) -> dict[str, Any]:
    """The JSON body: Slack's `text` and `attachments`, plus the same facts as plain fields."""
    ok = result.status in OK_STATUSES
    step = failed_step(result)
    outcome = "succeeded" if ok else result.status.value.replace("_", " ")
    icon = ":white_check_mark:" if ok else ":x:"
    text = (
        f"{icon} {result.environment} deployment {outcome} in {human_duration(result.duration)} "
        f"(run {result.run_id})"
    )
    if step is not None:
        text += f"\nfailed step: {step.id}" + (f": {step.reason}" if step.reason else "")
    elif not ok and result.reason:
        text += f"\n{result.reason}"
    revision = str(result.revision) if result.revision else "unknown"
    fields = [
        {"title": "Environment", "value": result.environment, "short": True},
        {"title": "Result", "value": outcome, "short": True},
        {"title": "Duration", "value": human_duration(result.duration), "short": True},
        {"title": "Run ID", "value": result.run_id, "short": True},
        {"title": "Revision", "value": revision, "short": True},
    ]
    if step is not None:
        fields.append({"title": "Failed step", "value": step.id, "short": False})
    return {
        "text": text,
        "attachments": [{"color": "good" if ok else "danger", "fields": fields}],
        "environment": result.environment,
        "result": outcome,
        "status": result.status.value,
        "duration_seconds": round(result.duration, 3),
        "run_id": result.run_id,
        "revision": revision,
        "failed_step": step.id if step else None,
        "maintenance": bool(result.flags.get("maintenance")),
    }


def post_json(
    url: str,
    body: dict[str, Any],
    *,
    retries: int = RETRIES,
    backoff: float = 1.0,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """POST `body` as JSON; retry failures `retries` times (backoff doubling); return warnings."""
    data = json.dumps(body).encode()
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(  # noqa: S310 - the user's own webhook URL
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read()
            return []
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code not in RETRYABLE_HTTP:
                break
        except (OSError, ValueError, http.client.HTTPException) as exc:
            last = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
    tries = attempt + 1
    return [f"notification to {shown_url(url)} not delivered after {tries} attempt(s): {last}"]


def notify_run(result: RunResult, url: str | None, **options: Any) -> list[str]:
    """Post the run's message to `url` (nothing for a dry run or without a URL); warnings back."""
    if not url or result.flags.get("dry_run"):
        return []
    return post_json(url, message(result), **options)


class NotifyListener:
    """A runner listener posting the message when the run finishes; warnings kept and logged."""

    def __init__(self, url: str | None, **options: Any) -> None:
        self.url = url
        self.options = options
        self.warnings: list[str] = []

    def __call__(self, event: Event) -> None:
        """Handle one runner event (only RunFinished matters)."""
        if isinstance(event, RunFinished):
            found = notify_run(event.result, self.url, **self.options)
            for warning in found:
                LOG.warning(warning)
            self.warnings.extend(found)

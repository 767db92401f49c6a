"""The record of admission webhook calls the sandbox's stand-in saw: one JSON line per call.

Written by `webhooks` (inside sandbox-controllers), read by `sandbox status` and by deploy's
sandbox notes, so a user always sees that webhooks here are simulated, not served.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

WEBHOOKS_SIMULATE = "simulate"
WEBHOOKS_FAIL = "fail"
WEBHOOK_MODES = (WEBHOOKS_SIMULATE, WEBHOOKS_FAIL)

_lock = threading.Lock()


def append(path: Path, entry: dict[str, Any]) -> None:
    """Add one call (with its time) to the log."""
    line = json.dumps({"time": round(time.time(), 3), **entry}, sort_keys=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read(path: Path) -> list[dict[str, Any]]:
    """Return every recorded call, oldest first (an unreadable line is skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    calls: list[dict[str, Any]] = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            calls.append(entry)
    return calls


def summarize(path: Path) -> dict[str, int]:
    """Count the calls by outcome: answered (simulated) and refused."""
    counts: dict[str, int] = {}
    for entry in read(path):
        outcome = str(entry.get("outcome", "unknown"))
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts

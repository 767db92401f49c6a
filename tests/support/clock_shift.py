"""Run tests with the clock moved ahead: a pytest plugin, active only when asked.

`UNIDEPLOY_TEST_CLOCK_SHIFT_DAYS=730 pytest -m clock` moves the wall clock (`time.time`,
`datetime.now`, `date.today`; never the monotonic clock) that many days ahead for every test, so
a test that quietly compares a fixed date with the real clock fails long before the calendar
gets there. tests/unit/test_clock_moved.py runs the `clock` tests this way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

SHIFT_VARIABLE = "UNIDEPLOY_TEST_CLOCK_SHIFT_DAYS"


def shift_days() -> int:
    """The days the clock is moved ahead for this session (0: not moved)."""
    return int(os.environ.get(SHIFT_VARIABLE, "0") or "0")


def machine_now() -> datetime:
    """The machine's real clock, even inside a moved test: what a child process judges by."""
    if shift_days():
        return datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
    return datetime.now(UTC)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = shift_days()
    if not days:
        return None
    moved = datetime.now(UTC) + timedelta(days=days)
    return f"clock moved {days} days ahead: {moved:%Y-%m-%d}"


@pytest.fixture(autouse=True)
def moved_clock() -> Iterator[None]:
    """Each test runs with the wall clock `shift_days()` ahead and still ticking."""
    days = shift_days()
    if not days:
        yield
        return
    with time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True):
        yield

"""Every test that judges a date still passes with the wall clock moved two years ahead.

The `clock` tests (certificate expiry, lock ages, run durations, metrics timestamps, gates…) run
again in a child pytest with tests/support/clock_shift.py moving `time.time` and `datetime.now`
730 days ahead. A test that compares a fixed date with the real clock fails there today, not in
two years. Tests that need the sandbox are left out: its apiserver keeps the real clock.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import REPO_ROOT
from tests.support.clock_shift import SHIFT_VARIABLE, shift_days

from unideploy.engines.process import run

DAYS = 730


def test_clock_tests_pass_two_years_ahead() -> None:
    env = {**os.environ, SHIFT_VARIABLE: str(DAYS)}
    done = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-m",
            "clock and not cluster",
            "tests",
        ],
        cwd=REPO_ROOT,
        env=env,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    header = re.search(r"clock moved (\d+) days ahead: (\d{4}-\d{2}-\d{2})", output)
    assert header, output[:2000]
    moved = datetime.strptime(header.group(2), "%Y-%m-%d").replace(tzinfo=UTC)
    assert moved >= datetime.now(UTC) + timedelta(days=DAYS - 1)
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) >= 150, output[-2000:]  # every `clock` test ran
    assert "failed" not in output.splitlines()[-1]


@pytest.mark.clock
def test_the_moved_clock_reaches_the_product() -> None:
    """In the child run, the product's own clock is the moved one (so the shift is real)."""
    from unideploy.execute.result import utcnow

    expected = datetime.now(UTC)
    assert abs(utcnow() - expected) < timedelta(seconds=5)
    if shift_days():
        assert utcnow().year >= 2027

"""Retry policy for steps whose engine reports a retryable error (EngineError.retryable).

Defaults are the seed's own policy: up to 5 retries, backoff 5 s doubling each time, and no retry
that would end past 3 minutes after the first attempt. Pure arithmetic; the runner sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a retryable failure is tried again."""

    limit: int = 5
    backoff: float = 5.0
    factor: float = 2.0
    max_duration: float = 180.0

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError("retry limit must be >= 0")
        if self.backoff < 0 or self.factor < 1 or self.max_duration < 0:
            raise ValueError("retry backoff must be >= 0, factor >= 1, max_duration >= 0")

    def delay(self, retry: int) -> float:
        """Return the wait before retry number `retry` (1-based): backoff * factor^(retry-1)."""
        return float(self.backoff * self.factor ** (retry - 1))

    def next_delay(self, attempts: int, elapsed: float) -> float | None:
        """Return the wait before the next attempt, or None when retrying must stop.

        `attempts` is how many attempts have run; `elapsed` is seconds since the first began.
        A retry is refused when the limit is reached or its wait would end past `max_duration`.
        """
        retry = attempts
        if retry > self.limit:
            return None
        wait = self.delay(retry)
        if elapsed + wait > self.max_duration:
            return None
        return wait


NO_RETRY = RetryPolicy(limit=0)

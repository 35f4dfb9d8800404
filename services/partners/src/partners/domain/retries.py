"""When a failed delivery is tried again: exponential backoff with jitter, for a bounded period."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetrySchedule:
    """Retry n waits base·2^(n-1) (at most `max_delay`), half of it random ("equal jitter",
    so many endpoints that failed together do not come back together); a delivery still failing
    `period` after it was queued is given up."""

    base_seconds: float
    max_delay_seconds: float
    period_seconds: float

    def delay(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `failed_attempts`-th failure."""
        exponent = min(failed_attempts - 1, 40)
        ceiling = min(self.base_seconds * 2.0**exponent, self.max_delay_seconds)
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)

    def next_attempt(
        self, queued_at: datetime, now: datetime, failed_attempts: int
    ) -> datetime | None:
        """When to try again, or None when the retry period is over."""
        if now - queued_at >= timedelta(seconds=self.period_seconds):
            return None
        return now + timedelta(seconds=self.delay(failed_attempts))

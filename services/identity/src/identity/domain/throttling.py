"""The login throttle: how many failures, where from, before a login must wait.

Two windows slide over the last 15 minutes (both limits are settings):

* per client address: 10 failed logins from one address, whatever accounts they tried, and
  that address waits until the oldest of them leaves the window;
* per account: 10 failed logins on one account (known or not, so the rule says nothing about
  which addresses have accounts), and the account waits, but only for addresses it has not
  signed in from successfully in the last 30 days.

Refused attempts are not counted, so the window always slides and nobody can extend a lock by
hammering. The real user keeps signing in from the addresses they use while someone else guesses
their password from elsewhere. From a new address during such an attack they either wait one
window or reset their password: the reset link proves them, and a reset clears the account's
failures (they were guesses at a password that no longer exists).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginThrottle:
    """The rule, with its limits."""

    max_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    known_address_memory: timedelta = timedelta(days=30)

    def retry_after(
        self,
        now: datetime,
        address_failures: Sequence[datetime],
        account_failures: Sequence[datetime],
        address_known_to_account: bool,
    ) -> int | None:
        """Seconds the attempt must wait, or None when it may go ahead."""
        waits = [self._wait(now, address_failures)]
        if not address_known_to_account:
            waits.append(self._wait(now, account_failures))
        longest = max((w for w in waits if w is not None), default=None)
        return longest

    def _wait(self, now: datetime, failures: Sequence[datetime]) -> int | None:
        recent = sorted(f for f in failures if now - f < self.window)
        if len(recent) < self.max_failures:
            return None
        # Once this one leaves the window, fewer than max_failures remain.
        freed_at = recent[len(recent) - self.max_failures] + self.window
        return max(1, math.ceil((freed_at - now).total_seconds()))

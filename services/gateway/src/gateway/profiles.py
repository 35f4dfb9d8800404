"""The gateway's copy of users' profiles, so GET /api/v1/me need not ask identity every time.

Identity owns the profile; this only remembers its answers, and only while it can keep them
true:
- filled from identity's GetProfile answers and from the profile each write on /me answers
  (read-your-writes on this gateway);
- a user's entry goes when identity publishes an event that changes what GetProfile answers
  (`gateway.profile_events` follows them);
- an answer is kept only if nothing about its user was invalidated since its request left, so a
  reply that raced an event cannot bring the old profile back (a stamp per user); answers of
  reads that overlapped a write on this gateway are not kept either;
- while the subscription is not established (before it is, and from a disconnect until the
  reconnect has re-subscribed) nothing is kept or served, and when NATS dropped messages
  for us everything is forgotten, because any of them could have been an invalidation;
- entries are bounded in number and in age: the age bounds how stale a profile can be should
  an event be lost where no client library can tell (a half-open connection).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from contracts.commands.profile import Profile

PROFILES_REMEMBERED = 10_000
STAMPS_REMEMBERED = 10_000
MAX_AGE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class CachedProfile:
    """A profile as identity last answered it, kept as its JSON answer (encoded once)."""

    body: bytes
    stored_at: float


def encoded(profile: Profile) -> bytes:
    """The JSON body of a profile answer, as Litestar would encode the model."""
    return Profile.__pydantic_serializer__.to_json(profile)


class ProfileCache:
    """user id -> profile, kept only while identity's events about users are being followed."""

    def __init__(
        self,
        capacity: int = PROFILES_REMEMBERED,
        max_age_seconds: float = MAX_AGE_SECONDS,
        stamps: int = STAMPS_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._max_age = max_age_seconds
        self._stamps_capacity = stamps
        self._clock = clock
        self._entries: dict[UUID, CachedProfile] = {}
        # A counter that moves on every invalidation; a request's ticket is its value when the
        # request left. `_invalidated[user]` is when that user was last invalidated; tickets
        # older than `_floor` are refused outright (forgotten stamps, a reconnect).
        self._now = 0
        self._floor = 0
        self._invalidated: dict[UUID, int] = {}
        self._writes: dict[UUID, int] = {}
        self._live = False

    @property
    def live(self) -> bool:
        """Whether identity's events are followed, so profiles may be kept and served."""
        return self._live

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, user_id: UUID) -> CachedProfile | None:
        """The remembered profile, if there is one young enough and the cache is live."""
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if self._clock() - entry.stored_at < self._max_age:
            return entry
        del self._entries[user_id]
        return None

    # -- filling ---------------------------------------------------------------------------

    def reading(self, user_id: UUID) -> int:
        """Call before asking identity for the profile; the ticket for `keep_read`."""
        return self._now

    def keep_read(self, user_id: UUID, ticket: int, profile: Profile) -> CachedProfile | None:
        """Keep identity's answer, unless something about the user may have changed since."""
        if self._writes.get(user_id) or not self._fresh(user_id, ticket):
            return None
        return self._store(user_id, profile)

    def writing(self, user_id: UUID) -> int:
        """Call before sending a change to identity; the ticket for `keep_written`."""
        self.invalidate(user_id)
        self._writes[user_id] = self._writes.get(user_id, 0) + 1
        return self._now

    def keep_written(self, user_id: UUID, ticket: int, profile: Profile | None) -> None:
        """Keep the profile a change answered (None: it failed), unless writes overlapped."""
        left = self._writes.get(user_id, 1) - 1
        if left:
            self._writes[user_id] = left
        else:
            self._writes.pop(user_id, None)
        # Reads that left while the change was under way may have seen the state before it.
        fresh = self._fresh(user_id, ticket)
        self.invalidate(user_id)
        if profile is not None and fresh and not left:
            self._store(user_id, profile)

    # -- emptying --------------------------------------------------------------------------

    def invalidate(self, user_id: UUID) -> None:
        """Something about the user changed: forget the profile and refuse older answers."""
        self._entries.pop(user_id, None)
        self._now += 1
        self._invalidated.pop(user_id, None)
        self._invalidated[user_id] = self._now
        if len(self._invalidated) > self._stamps_capacity:
            # Forget the oldest stamp, refusing every ticket that could have needed it.
            oldest = next(iter(self._invalidated))
            self._floor = max(self._floor, self._invalidated.pop(oldest))

    def invalidate_all(self) -> None:
        """Anything may have changed: forget every profile, refuse every answer under way."""
        self._entries.clear()
        self._invalidated.clear()
        self._now += 1
        self._floor = self._now

    def suspend(self) -> None:
        """Events may go unseen (no subscription): forget everything, keep nothing from now."""
        self._live = False
        self.invalidate_all()

    def resume(self) -> None:
        """The subscription is established: answers from requests that leave now may be kept."""
        self.invalidate_all()
        self._live = True

    # -- inside ----------------------------------------------------------------------------

    def _fresh(self, user_id: UUID, ticket: int) -> bool:
        return self._live and ticket >= self._floor and self._invalidated.get(user_id, 0) <= ticket

    def _store(self, user_id: UUID, profile: Profile) -> CachedProfile | None:
        if profile.id != user_id:
            return None
        if user_id not in self._entries and len(self._entries) >= self._capacity:
            now = self._clock()
            for old in [u for u, e in self._entries.items() if now - e.stored_at >= self._max_age]:
                del self._entries[old]
            while len(self._entries) >= self._capacity * 9 // 10:
                del self._entries[next(iter(self._entries))]
        entry = CachedProfile(encoded(profile), self._clock())
        self._entries[user_id] = entry
        return entry

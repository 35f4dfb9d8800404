"""A small time-bounded, size-bounded cache in front of any KvkRegister."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from organisation.kvk.models import KvkProfile, KvkSearchResult
from organisation.kvk.register import KvkRegister

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Entries live `ttl_seconds`; past `max_entries` the least recently used goes first."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        """The live value for `key`, or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Keep `value` for the cache's lifetime, evicting the oldest past the bound."""
        self._entries[key] = (self._clock() + self.ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class CachingKvkRegister:
    """Answers repeated questions from memory; errors are never cached, so a retry asks again."""

    def __init__(
        self,
        inner: KvkRegister,
        ttl_seconds: float,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self._profiles: TtlCache[KvkProfile] = TtlCache(ttl_seconds, max_entries, clock)
        self._searches: TtlCache[tuple[KvkSearchResult, ...]] = TtlCache(
            ttl_seconds, max_entries, clock
        )

    async def search(
        self,
        *,
        name: str | None = None,
        kvk_number: str | None = None,
        place: str | None = None,
        page: int = 1,
        per_page: int = 10,
    ) -> list[KvkSearchResult]:
        """The inner register's hits, remembered per question."""
        key = (name, kvk_number, place, page, per_page)
        hits = self._searches.get(key)
        if hits is None:
            found = await self.inner.search(
                name=name, kvk_number=kvk_number, place=place, page=page, per_page=per_page
            )
            hits = tuple(found)
            self._searches.put(key, hits)
        return list(hits)

    async def profile(self, kvk_number: str) -> KvkProfile:
        """The inner register's profile, remembered per number."""
        profile = self._profiles.get(kvk_number)
        if profile is None:
            profile = await self.inner.profile(kvk_number)
            self._profiles.put(kvk_number, profile)
        return profile

    async def aclose(self) -> None:
        """Close the inner register."""
        await self.inner.aclose()

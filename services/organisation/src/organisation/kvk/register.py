"""The one interface the organisation service asks the KvK register through."""

from __future__ import annotations

from typing import Protocol

from organisation.kvk.models import KvkProfile, KvkSearchResult


class KvkRegister(Protocol):
    """Search the Dutch trade register and read one number's base profile."""

    async def search(
        self,
        *,
        name: str | None = None,
        kvk_number: str | None = None,
        place: str | None = None,
        page: int = 1,
        per_page: int = 10,
    ) -> list[KvkSearchResult]:
        """The hits on one page; [] when nothing matches."""
        ...

    async def profile(self, kvk_number: str) -> KvkProfile:
        """The base profile; raises KvkNumberUnknown, KvkUnavailable or KvkRefused."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...

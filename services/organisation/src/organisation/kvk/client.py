"""The real register: KvK Zoeken API v2 and Basisprofiel API v1 over HTTP, header `apikey`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog

from organisation.kvk.answers import error_from, first_fout, profile_from, search_results_from
from organisation.kvk.errors import KvkError, KvkRefused, KvkUnavailable
from organisation.kvk.models import KvkProfile, KvkSearchResult

log = structlog.get_logger("organisation.kvk")
KVK_NUMBER = re.compile(r"\d{8}")
RETRY_UNREACHABLE = 30


def _retry_after(value: str | None) -> int | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return max(1, int(value.strip()))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(1, int((when - datetime.now(UTC)).total_seconds()))


class HttpKvkRegister:
    """Asks the register at `base_url` (https://api.kvk.nl/api, its test env, or the fake)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout_seconds: float = 5.0,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if api_key:
            headers["apikey"] = api_key
        self.timeout_seconds = timeout_seconds
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_seconds),
            transport=transport,
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
        """GET v2/zoeken; KvK's 404 "no results" (IPD5200) is an empty page, not an error."""
        criteria = {"naam": name, "kvkNummer": kvk_number, "plaats": place}
        params: dict[str, str | int] = {
            k: v.strip() for k, v in criteria.items() if v and v.strip()
        }
        if not params:
            raise KvkRefused(
                "kvk_no_criteria", "Search the KvK register by name, KvK number or place."
            )
        params.update(pagina=page, resultatenPerPagina=per_page)
        asked = "the search " + ", ".join(f"{k}={v}" for k, v in params.items())
        status, body, retry_after = await self._get("v2/zoeken", params, asked)
        if status == 200:
            return search_results_from(body)
        if status == 404 and first_fout(body) is not None:
            return []
        raise self._failed(error_from(status, body, retry_after, asked))

    async def profile(self, kvk_number: str) -> KvkProfile:
        """GET v1/basisprofielen/{kvkNummer}: name, main establishment, owner, address."""
        number = kvk_number.strip()
        if not KVK_NUMBER.fullmatch(number):
            # Checked here too: the number becomes part of the URL path.
            raise KvkRefused(
                "IPD0004", f"{kvk_number!r} is not a KvK number: a KvK number is 8 digits."
            )
        asked = f"KvK number {number}"
        status, body, retry_after = await self._get(f"v1/basisprofielen/{number}", {}, asked)
        if status == 200:
            return profile_from(body)
        raise self._failed(error_from(status, body, retry_after, asked))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _get(
        self, path: str, params: dict[str, str | int], asked: str
    ) -> tuple[int, Any, int | None]:
        try:
            response = await self._client.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise self._failed(
                KvkUnavailable(
                    "kvk_timeout",
                    f"The KvK register did not answer {asked} within "
                    f"{self.timeout_seconds:g} s; try again shortly.",
                    RETRY_UNREACHABLE,
                )
            ) from exc
        except httpx.TransportError as exc:
            raise self._failed(
                KvkUnavailable(
                    "kvk_unreachable",
                    f"The KvK register could not be reached for {asked} "
                    f"({type(exc).__name__}); try again shortly.",
                    RETRY_UNREACHABLE,
                )
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, body, _retry_after(response.headers.get("Retry-After"))

    @staticmethod
    def _failed(error: KvkError) -> KvkError:
        if isinstance(error, KvkUnavailable):
            log.warning("kvk_unavailable", code=error.code, detail=error.detail)
        return error

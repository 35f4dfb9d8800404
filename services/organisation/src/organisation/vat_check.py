"""Whether a Dutch VAT id is registered: the EU's VIES service, or a deterministic fake.

A checksum only proves a VAT id is well formed; VIES asks the member state whether it is
registered. VIES is often busy or partly down, so every error, timeout or unreadable answer is
`VatCheckUnavailable` (ask again later) and never a verdict that the id is not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from pydantic import BaseModel

from organisation.domain.identifiers import nl_vat_id

if TYPE_CHECKING:
    from organisation.settings import OrganisationSettings

Clock = Callable[[], datetime]

VIES_BASE_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"
VIES_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# Checksum-valid ids the fake treats as not registered: one of each form.
NOT_REGISTERED = frozenset({"NL999999990B01", "NL999999999B67"})

# VIES error codes (its technical information page) and how long to wait before asking again.
_VIES_BUSY = frozenset(
    {
        "GLOBAL_MAX_CONCURRENT_REQ",
        "GLOBAL_MAX_CONCURRENT_REQ_TIME",
        "MS_MAX_CONCURRENT_REQ",
        "MS_MAX_CONCURRENT_REQ_TIME",
    }
)
_VIES_DOWN = frozenset({"SERVICE_UNAVAILABLE", "MS_UNAVAILABLE", "TIMEOUT"})
_RETRY_BUSY, _RETRY_DOWN, _RETRY_REFUSED = 10, 60, 3600


def _utc_now() -> datetime:
    return datetime.now(UTC)


class VatVerification(BaseModel):
    """What a VAT register said about one VAT id, and when."""

    vat_id: str
    valid: bool
    name: str | None
    checked_at: datetime


class VatCheckUnavailable(Exception):
    """The VAT register cannot answer now; ask again after `retry_after` seconds."""

    def __init__(self, reason: str, *, retry_after: int, code: str) -> None:
        super().__init__(f"{reason} ({code}); try again in {retry_after} seconds")
        self.reason = reason
        self.retry_after = retry_after
        self.code = code


class VatChecker(Protocol):
    """Verifies that a Dutch VAT id is registered.

    `verify` raises `InvalidIdentifier` for a malformed id before asking anyone, and
    `VatCheckUnavailable` when the register cannot answer now.
    """

    async def verify(self, vat_id: str) -> VatVerification:
        """The register's answer about `vat_id`."""
        ...


class FakeVatChecker:
    """VIES without the network: every checksum-valid id is registered but `NOT_REGISTERED`."""

    def __init__(
        self,
        *,
        not_registered: Iterable[str] = NOT_REGISTERED,
        names: Mapping[str, str] | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self._not_registered = frozenset(nl_vat_id(vat_id) for vat_id in not_registered)
        self._names = {nl_vat_id(vat_id): name for vat_id, name in (names or {}).items()}
        self._clock = clock
        self._outage: int | None = None

    def simulate_outage(self, retry_after: int = 30) -> None:
        """Answer every question with `VatCheckUnavailable` until `end_outage`."""
        self._outage = retry_after

    def end_outage(self) -> None:
        """Answer again."""
        self._outage = None

    async def verify(self, vat_id: str) -> VatVerification:
        """Registered unless listed as not registered; no network."""
        normalised = nl_vat_id(vat_id)
        if self._outage is not None:
            raise VatCheckUnavailable(
                "the fake VAT register simulates an outage",
                retry_after=self._outage,
                code="SIMULATED_OUTAGE",
            )
        return VatVerification(
            vat_id=normalised,
            valid=normalised not in self._not_registered,
            name=self._names.get(normalised),
            checked_at=self._clock(),
        )


class ViesVatChecker:
    """A client of the VIES REST API: POST {base_url}/check-vat-number."""

    def __init__(
        self,
        base_url: str = VIES_BASE_URL,
        *,
        timeout: httpx.Timeout = VIES_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._clock = clock

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def verify(self, vat_id: str) -> VatVerification:
        """Ask VIES whether the Netherlands knows `vat_id`."""
        normalised = nl_vat_id(vat_id)
        question = {"countryCode": "NL", "vatNumber": normalised[2:]}
        try:
            response = await self._client.post("/check-vat-number", json=question)
        except httpx.TimeoutException as error:
            raise VatCheckUnavailable(
                "VIES did not answer in time", retry_after=_RETRY_DOWN, code="timeout"
            ) from error
        except httpx.HTTPError as error:
            raise VatCheckUnavailable(
                "VIES cannot be reached", retry_after=_RETRY_DOWN, code="unreachable"
            ) from error
        answer = _json_object(response)
        valid = answer.get("valid")
        if response.status_code != httpx.codes.OK or not isinstance(valid, bool):
            raise _unavailable(response, answer)
        if _vies_error(answer) is not None:  # a verdict that comes with an error is none
            raise _unavailable(response, answer)
        return VatVerification(
            vat_id=normalised,
            valid=valid,
            name=_trader_name(answer.get("name")),
            checked_at=self._clock(),
        )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _vies_error(answer: dict[str, Any]) -> str | None:
    """The error code of a VIES error body (`errorWrappers`) or of a `userError` field."""
    wrappers = answer.get("errorWrappers")
    if isinstance(wrappers, list) and wrappers and isinstance(wrappers[0], dict):
        return str(wrappers[0].get("error") or "UNKNOWN_ERROR")
    user_error = answer.get("userError")
    return str(user_error) if user_error in _VIES_BUSY | _VIES_DOWN else None


def _unavailable(response: httpx.Response, answer: dict[str, Any]) -> VatCheckUnavailable:
    code = _vies_error(answer)
    if code in _VIES_BUSY:
        reason, wait = "VIES is busy", _RETRY_BUSY
    elif code in _VIES_DOWN:
        reason, wait = "VIES or the Dutch register behind it is unavailable", _RETRY_DOWN
    elif code is not None:
        # INVALID_INPUT, VAT_BLOCKED, IP_BLOCKED, ...: VIES refused the question itself.
        reason, wait = "VIES refused the question", _RETRY_REFUSED
    elif response.status_code == httpx.codes.OK:
        reason, wait, code = "VIES gave an answer without a verdict", _RETRY_DOWN, "unreadable"
    else:
        reason, wait = f"VIES answered HTTP {response.status_code}", _RETRY_DOWN
        code = f"http_{response.status_code}"
    return VatCheckUnavailable(reason, retry_after=_retry_after(response, wait), code=code)


def _retry_after(response: httpx.Response, default: int) -> int:
    """The server's Retry-After in seconds when it gives one (HTTP dates are not worth it)."""
    header = response.headers.get("Retry-After", "").strip()
    return int(header) if header.isdigit() else default


def _trader_name(value: object) -> str | None:
    """VIES writes `---` when a member state does not disclose the name."""
    if not isinstance(value, str) or value.strip() in {"", "---"}:
        return None
    return value.strip()


def vat_checker_from_settings(settings: OrganisationSettings) -> VatChecker:
    """The fake by default; VIES when `VAT_CHECK=vies` (at `VIES_BASE_URL`)."""
    if settings.vat_check == "vies":
        return ViesVatChecker(settings.vies_base_url)
    return FakeVatChecker()

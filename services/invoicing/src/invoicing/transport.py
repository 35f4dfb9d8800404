"""Sending outside this platform: the transport interface, and an HTTP relay to an access point.

An invoice whose recipient is not on this platform goes to a `Transport`. It hands the UBL to
the network and answers with a `Receipt`, or says why not: the network does not know the
recipient (`RecipientUnknown`), the other side refused the document (`Refused`), or nobody
could be reached this time (`Unreachable`, tried again later). Handing the same invoice over
twice must not send it twice: every hand-over of one invoice carries the same message id.

`HttpAccessPoint` relays to an access point that takes documents over HTTP (many Peppol
service providers offer one); an AS4 adapter that is an access point itself is later work:

    POST <INVOICING_ACCESS_POINT_URL>
    Content-Type: application/xml
    Authorization: Bearer <INVOICING_ACCESS_POINT_TOKEN>    (when set)
    Idempotency-Key: <invoice id>                           (the same for every hand-over)
    X-Peppol-Sender: <scheme:value>
    X-Peppol-Recipient: <scheme:value>
    X-Document-Type: Invoice | CreditNote
    <the UBL as submitted>

    2xx: taken; the receipt is the JSON body's "id", else the Location header
    404 with a JSON (problem) body: the network does not know the recipient
    other 4xx (but 401, 403, 408, 409, 425, 429): the document is refused; the problem's detail
        says why
    401, 403, 408, 409, 425, 429, 5xx, a 404 without a JSON body (a wrong URL), no answer within
        the timeout: unreachable this time
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Protocol

import httpx
import structlog

from invoicing.settings import InvoicingSettings

log = structlog.get_logger(__name__)

USER_AGENT = "einvoice-transport/1.0"
HAND_OVERS_AT_ONCE = 16
# 409: a hand-over under this message id is still in progress there.
_TRY_AGAIN = frozenset({401, 403, 408, 409, 425, 429})


@dataclass(frozen=True)
class Parcel:
    """One invoice to hand over, under a message id that is the same for every hand-over of
    these bytes by this organisation (a retry, or the same file sent again after a failure)."""

    message_id: uuid.UUID
    document_type: str
    sender: str
    recipient: str
    document: bytes


@dataclass(frozen=True)
class Receipt:
    """The other side has it."""

    reference: str | None


class RecipientUnknown(Exception):
    """The network knows no participant by the recipient's id."""


class Refused(Exception):
    """The other side will not take this document; trying again changes nothing."""


class Unreachable(Exception):
    """Nobody took it this time (no answer, busy, our credentials refused): try again later."""


class Transport(Protocol):
    """A way to reach participants outside this platform."""

    @property
    def description(self) -> str:
        """Where it hands invoices to, for a person (the timeline)."""
        ...

    async def send(self, parcel: Parcel) -> Receipt:
        """Hand the parcel over; raises RecipientUnknown, Refused or Unreachable."""
        ...

    async def close(self) -> None:
        """Let go of its connections (the service stops)."""
        ...


class HttpAccessPoint:
    """The HTTP relay described above."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout_seconds: float = 30.0,
        connections: int = HAND_OVERS_AT_ONCE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = url
        self._timeout = timeout_seconds
        headers = {"User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=timeout_seconds,
            limits=httpx.Limits(max_connections=connections),
            follow_redirects=False,
            transport=transport,
        )
        self.description = f"the access point at {httpx.URL(url).host}"

    async def send(self, parcel: Parcel) -> Receipt:
        """POST the document; map the answer onto a receipt or one of the three refusals."""
        try:
            # httpx's timeout is per step (connect, each read, ...): this one is the whole.
            async with asyncio.timeout(self._timeout):
                answer = await self._post(parcel)
        except TimeoutError as error:
            raise Unreachable(
                f"{self.description} did not answer within {self._timeout:g} s"
            ) from error
        except httpx.HTTPError as error:
            raise Unreachable(f"{self.description} did not answer: {error!r}") from error
        status = answer.status_code
        if 200 <= status < 300:
            return Receipt(_reference(answer))
        said = _said(answer)
        if status == 404 and _is_json(answer):
            raise RecipientUnknown(
                f"The Peppol network knows no participant {parcel.recipient}" + _why(said)
            )
        if 400 <= status < 500 and status not in _TRY_AGAIN and status != 404:
            raise Refused(f"{self.description} refused the document ({status})" + _why(said))
        if status in (401, 403, 404):
            log.error("the access point refused us or is not at this URL", status=status)
        raise Unreachable(f"{self.description} answered {status}" + _why(said))

    async def _post(self, parcel: Parcel) -> httpx.Response:
        return await self._client.post(
            self._url,
            content=parcel.document,
            headers={
                "Content-Type": "application/xml",
                "Idempotency-Key": str(parcel.message_id),
                "X-Peppol-Sender": parcel.sender,
                "X-Peppol-Recipient": parcel.recipient,
                "X-Document-Type": parcel.document_type,
            },
        )

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def transport_from(settings: InvoicingSettings) -> Transport | None:
    """The configured transport, or None: then nothing leaves this platform."""
    if not settings.invoicing_access_point_url:
        return None
    token = settings.invoicing_access_point_token
    return HttpAccessPoint(
        settings.invoicing_access_point_url,
        token.get_secret_value() if token is not None else None,
        settings.invoicing_access_point_timeout_seconds,
    )


def _reference(answer: httpx.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("id") is not None:
        return str(body["id"])[:200]
    location = answer.headers.get("Location")
    return location[:200] if location else None


def _is_json(answer: httpx.Response) -> bool:
    kind = str(answer.headers.get("Content-Type", "")).split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _said(answer: httpx.Response) -> str:
    """The answer's own words: a problem's detail or title, else the start of its text."""
    try:
        body = answer.json()
    except ValueError:
        return answer.text.strip()[:300]
    if isinstance(body, dict):
        for field in ("detail", "title", "message"):
            if isinstance(body.get(field), str) and body[field].strip():
                return str(body[field]).strip()[:300]
    return ""


def _why(said: str) -> str:
    return f": {said.rstrip('.')}." if said else "."

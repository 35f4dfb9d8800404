"""The HTTP relay to an access point, against a real HTTP server: what it sends, and how each
answer becomes a receipt or a named refusal."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from invoicing.settings import InvoicingSettings
from invoicing.transport import (
    HttpAccessPoint,
    Parcel,
    RecipientUnknown,
    Refused,
    Unreachable,
    transport_from,
)
from pydantic import ValidationError

from tests.access_point import access_point

DOCUMENT = b"<Invoice>the bytes as submitted</Invoice>"


def parcel(recipient: str, message_id: uuid.UUID | None = None) -> Parcel:
    return Parcel(
        message_id=message_id or uuid.uuid4(),
        document_type="Invoice",
        sender="0106:11111111",
        recipient=recipient,
        document=DOCUMENT,
    )


async def test_a_taken_document_gets_the_access_points_reference() -> None:
    with access_point(token="s3cret") as point:
        transport = HttpAccessPoint(point.url, token="s3cret")
        try:
            message = uuid.uuid4()
            receipt = await transport.send(parcel("0106:12345678", message))
            again = await transport.send(parcel("0106:12345678", message))
        finally:
            await transport.close()
    assert receipt.reference == "AP-1"
    assert again.reference == "AP-1"  # the same message id: the same hand-over
    seen = point.seen[0]
    assert seen.body == DOCUMENT
    assert seen.headers["content-type"] == "application/xml"
    assert seen.headers["idempotency-key"] == str(message)
    assert seen.headers["x-peppol-sender"] == "0106:11111111"
    assert seen.headers["x-peppol-recipient"] == "0106:12345678"
    assert seen.headers["x-document-type"] == "Invoice"
    assert seen.headers["authorization"] == "Bearer s3cret"
    assert transport.description == "the access point at 127.0.0.1"


@pytest.mark.parametrize(
    ("recipient", "refusal", "words"),
    [
        ("0106:10000404", RecipientUnknown, "knows no participant 0106:10000404: No SMP"),
        ("0106:10000422", Refused, "refused the document (422): The receiving access point"),
        ("0106:10000503", Unreachable, "answered 503: Busy."),
    ],
)
async def test_each_refusal_is_named_with_the_access_points_words(
    recipient: str, refusal: type[Exception], words: str
) -> None:
    with access_point() as point:
        transport = HttpAccessPoint(point.url)
        try:
            with pytest.raises(refusal) as raised:
                await transport.send(parcel(recipient))
        finally:
            await transport.close()
    assert words in str(raised.value)


async def test_a_404_that_is_no_problem_answer_is_a_wrong_url_tried_again() -> None:
    with access_point() as point:
        transport = HttpAccessPoint(point.url.replace("/send", "/elsewhere/404-page"))
        try:
            with pytest.raises(Unreachable, match="answered 404"):
                await transport.send(parcel("0106:12345678"))
        finally:
            await transport.close()


async def test_a_hand_over_in_progress_and_a_slow_answer_are_tried_again() -> None:
    with access_point() as point:
        busy = HttpAccessPoint(point.url.replace("/send", "/conflict"))
        slow = HttpAccessPoint(point.url, timeout_seconds=1)
        try:
            with pytest.raises(Unreachable, match="answered 409"):
                await busy.send(parcel("0106:12345678"))
            began = time.monotonic()
            with pytest.raises(Unreachable, match="did not answer within 1 s"):
                await slow.send(parcel("0106:10000888"))
            assert time.monotonic() - began < 2
        finally:
            await busy.close()
            await slow.close()


async def test_wrong_credentials_and_silence_are_tried_again_later() -> None:
    with access_point(token="right") as point:
        transport = HttpAccessPoint(point.url, token="wrong")
        try:
            with pytest.raises(Unreachable, match="answered 401"):
                await transport.send(parcel("0106:12345678"))
        finally:
            await transport.close()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    nobody = HttpAccessPoint(f"http://127.0.0.1:{port}/send", timeout_seconds=2)
    try:
        with pytest.raises(Unreachable, match="did not answer"):
            await nobody.send(parcel("0106:12345678"))
    finally:
        await nobody.close()


def test_no_access_point_configured_means_no_transport() -> None:
    assert transport_from(InvoicingSettings()) is None
    assert transport_from(InvoicingSettings(invoicing_access_point_url="")) is None
    with pytest.raises(ValidationError, match="not an http"):
        InvoicingSettings(invoicing_access_point_url="ap.example/send")
    configured = transport_from(
        InvoicingSettings(invoicing_access_point_url="https://ap.example/send")
    )
    assert configured is not None and configured.description == "the access point at ap.example"

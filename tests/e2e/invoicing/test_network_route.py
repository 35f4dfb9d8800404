"""Invoices for participants outside this platform go through the transport to an access point.

The whole system with INVOICING_ACCESS_POINT_URL set, and a fake access point over real HTTP
(tests/access_point.py) that answers by the recipient: taken, unknown, refused, busy once, busy
always. The sender follows each invoice over HTTP and on its page, and hears of each outcome by
mail; an invoice for a recipient on this platform is delivered here as always.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from devstack.stack import Stack
from gateway.web.failures import why_not_delivered
from playwright.sync_api import Page, expect

from tests.access_point import SLOW_SECONDS, AccessPoint, access_point
from tests.e2e.invoicing.conftest import Party, an_active_organisation
from tests.e2e.invoicing.documents import a_number, invoice, rules_dir
from tests.e2e.invoicing.test_send_and_receive import detail, submit
from tests.e2e.notifications.mailbox import wait_for_kind
from tests.e2e.organisation.world import api, eventually
from tests.e2e.system import new_stack, published_events
from tests.e2e.web.pages import log_in

TOKEN = "transport-test-token"


@pytest.fixture(scope="module")
def point() -> Iterator[AccessPoint]:
    with access_point(token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, point: AccessPoint) -> Iterator[Stack]:
    if rules_dir() is None:
        reason = "the official e-invoicing rules are not here"
        if os.environ.get("REQUIRE_EINVOICE_RULES"):
            pytest.fail(reason)
        pytest.skip(reason)
    stack = new_stack(
        tmp_path_factory.mktemp("network-var"),
        {
            "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
            "EINVOICE_RULES_DIR": str(rules_dir()),
            "INVOICING_ACCESS_POINT_URL": point.url,
            "INVOICING_ACCESS_POINT_TOKEN": TOKEN,
            "INVOICING_TRANSPORT_ATTEMPTS": "3",
            "INVOICING_TRANSPORT_RETRY_MAX_SECONDS": "0.5",
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=90)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def sender(network: Stack) -> Party:
    return an_active_organisation(network, "network-sender")


def settled(network: Stack, sender: Party, recipient: str, number: str | None = None) -> dict:  # type: ignore[type-arg]
    """Submit an invoice to `recipient` and wait until it is sent, delivered or failed."""
    document = invoice(sender.participant, recipient, number or a_number())
    answer = submit(network, sender, document)
    assert answer.status_code == 202, answer.text
    invoice_id = answer.json()["id"]
    assert eventually(
        lambda: detail(network, sender, invoice_id)["status"] != "accepted", timeout=30
    )
    return detail(network, sender, invoice_id)


def test_a_participant_outside_the_platform_gets_it_through_the_access_point(
    network: Stack, sender: Party, point: AccessPoint
) -> None:
    done = settled(network, sender, "0106:55500001")
    assert done["status"] == "sent", done
    assert [step["event"] for step in done["timeline"]] == ["InvoiceSubmitted", "InvoiceSent"]
    [handed] = point.for_recipient("0106:55500001")
    reference = handed.answer["id"]
    assert done["timeline"][1]["detail"] == (
        "Sent to 0106:55500001 over the Peppol network, through the access point at "
        f"127.0.0.1, which knows it as {reference}."
    )
    assert uuid.UUID(handed.headers["idempotency-key"])  # one per organisation and bytes
    assert handed.headers["x-peppol-sender"] == sender.participant
    assert handed.headers["x-document-type"] == "Invoice"
    assert handed.body == invoice_bytes(network, sender, done["id"])
    [event] = [
        e
        for e in published_events(network, "events.invoicing.InvoiceSent")
        if e["data"]["invoice_id"] == done["id"]
    ]
    assert event["data"]["route"] == "peppol"
    mails = wait_for_kind(network, sender.person.email, "invoice_sent", timeout=20)
    [mail] = [m for m in mails if done["invoice_number"] in str(m["Subject"])]
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None and "over the Peppol network" in text.get_content()


def test_a_recipient_on_this_platform_is_still_delivered_here(
    network: Stack, sender: Party, point: AccessPoint
) -> None:
    receiver = an_active_organisation(network, "network-receiver", receiving=True)
    done = settled(network, sender, receiver.participant)
    assert eventually(lambda: detail(network, sender, done["id"])["status"] == "delivered")
    assert not point.for_recipient(receiver.participant)


def test_a_slow_access_point_holds_up_no_delivery_here(network: Stack, sender: Party) -> None:
    receiver = an_active_organisation(network, "network-receiver-2", receiving=True)
    slow = submit(network, sender, invoice(sender.participant, "0106:55500888", a_number()))
    time.sleep(0.5)  # the slow hand-over has begun
    began = time.monotonic()
    here = submit(network, sender, invoice(sender.participant, receiver.participant, a_number()))
    assert eventually(lambda: detail(network, sender, here.json()["id"])["status"] == "delivered")
    assert time.monotonic() - began < SLOW_SECONDS - 1
    assert detail(network, sender, slow.json()["id"])["status"] == "accepted"
    assert eventually(lambda: detail(network, sender, slow.json()["id"])["status"] == "sent")


def test_a_busy_access_point_is_tried_again_with_the_same_message_id(
    network: Stack, sender: Party, point: AccessPoint
) -> None:
    done = settled(network, sender, "0106:55500777")
    assert done["status"] == "sent", done
    tries = point.for_recipient("0106:55500777")
    assert [t.status for t in tries] == [503, 201]
    assert len({t.headers["idempotency-key"] for t in tries}) == 1


@pytest.mark.parametrize(
    ("recipient", "reason", "words", "tries"),
    [
        ("0106:55500404", "recipient-unknown", "knows no participant 0106:55500404", 1),
        ("0106:55500422", "no-route", "refused the document (422): The receiving access", 1),
        (
            "0106:55500503",
            "no-route",
            "answered 503: Busy. Tried 3 times; the access point did not",
            3,
        ),
    ],
)
def test_what_the_network_will_not_take_fails_with_the_reason_and_a_mail(
    network: Stack,
    sender: Party,
    point: AccessPoint,
    recipient: str,
    reason: str,
    words: str,
    tries: int,
) -> None:
    done = settled(network, sender, recipient)
    assert done["status"] == "delivery_failed", done
    assert words in done["failure_reason"]
    dutch = why_not_delivered(done["failure_reason"], "nl")  # as the Dutch page says it
    assert dutch.startswith("Het ") and dutch.endswith(".") and "Tried" not in dutch
    assert done["timeline"][-1]["event"] == "InvoiceDeliveryFailed"
    assert len(point.for_recipient(recipient)) == tries
    mails = wait_for_kind(network, sender.person.email, "invoice_delivery_failed", timeout=20)
    [mail] = [m for m in mails if done["invoice_number"] in str(m["Subject"])]
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    content = " ".join(text.get_content().split())
    assert f"Reason (code): {reason}" in content
    if reason == "no-route":  # the access point's words, as the timeline has them
        assert f"Why: {done['failure_reason']}" in content


def test_a_failed_invoice_is_sent_again_under_the_same_number(
    network: Stack, sender: Party
) -> None:
    number = a_number()
    failed = settled(network, sender, "0106:55500404", number)
    assert failed["status"] == "delivery_failed"
    again = settled(network, sender, "0106:55500002", number)
    assert again["status"] == "sent", again
    duplicate = submit(network, sender, invoice(sender.participant, "0106:55500002", number))
    assert duplicate.status_code == 409, duplicate.text


def test_the_invoice_page_tells_the_network_route(
    network: Stack, sender: Party, page: Page
) -> None:
    done = settled(network, sender, "0106:55500003")
    log_in(page, network, sender.person.email)
    page.goto(f"{network.gateway_url}/organisations/{sender.id}/invoices/{done['id']}")
    expect(page.locator("#timeline")).to_contain_text(
        "sent to 0106:55500003 over the Peppol network"
    )
    expect(page.locator("#invoice-status")).to_have_text("sent")
    # A Dutch reader of an invoice the network did not know reads why in Dutch.
    failed = settled(network, sender, "0106:55500404")
    page.context.add_cookies(
        [{"name": "einvoice_language", "value": "nl", "url": network.gateway_url}]
    )
    page.goto(f"{network.gateway_url}/organisations/{sender.id}/invoices/{failed['id']}")
    expect(page.locator("dl.facts")).to_contain_text(
        "Het Peppol-netwerk kent geen deelnemer 0106:55500404 (antwoord: No SMP registration)."
    )
    expect(page.locator("#timeline")).to_contain_text("Het Peppol-netwerk kent geen deelnemer")
    expect(page.locator("#timeline")).not_to_contain_text("InvoiceDeliveryFailed")  # no codes
    expect(page.locator("#failure-advice")).to_contain_text(
        "Een factuur die niet is afgeleverd, mag je opnieuw versturen met hetzelfde nummer."
    )


def invoice_bytes(network: Stack, sender: Party, invoice_id: str) -> bytes:
    answer = api(
        network,
        sender.person,
        "GET",
        f"/api/v1/organisations/{sender.id}/invoices/{invoice_id}/ubl",
    )
    assert answer.status_code == 200, answer.text
    return answer.content

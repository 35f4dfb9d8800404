"""Invoice mails: everyone who may act for the receiving organisation hears that an invoice
arrived; whoever submitted one hears that it went out or why it could not be delivered. Each
follows the person's own preferences and language."""

from __future__ import annotations

import uuid

import pytest
from devstack.stack import Stack

from tests.e2e.identity.account import wait_for_event
from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import Person, accept, invite, sign_in
from tests.e2e.invoicing.documents import a_number, invoice, rules_dir
from tests.e2e.notifications.mailbox import (
    Party,
    an_active_organisation,
    choose,
    html_of,
    mails_of,
    text_of,
    wait_for_decision,
    wait_for_kind,
)
from tests.e2e.organisation.world import admin, api
from tests.e2e.system import token_in, wait_for_mails

pytestmark = pytest.mark.skipif(
    rules_dir() is None,
    reason="the official e-invoicing rules are not here (../shared/einvoice or EINVOICE_RULES_DIR)",
)


def submit(system: Stack, party: Party, document: bytes, correlation_id: str = "") -> str:
    headers = {"Content-Type": "application/xml", "Idempotency-Key": str(uuid.uuid4())}
    if correlation_id:
        headers["X-Correlation-Id"] = correlation_id
    answer = api(
        system,
        party.person,
        "POST",
        f"/api/v1/organisations/{party.id}/invoices",
        content=document,
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def a_member(system: Stack, party: Party, language: str) -> Person:
    """Someone invited into the party's organisation, in their own language."""
    email = an_address("member")
    assert invite(system, party.person, email, [party.id], language=language).status_code == 201
    assert accept(system, token_in(wait_for_mails(system, email)[0])).status_code == 201
    return sign_in(system, email)


def test_an_arriving_invoice_reaches_the_receivers_people_and_the_sender_hears_it_went_out(
    system: Stack,
) -> None:
    sender = an_active_organisation(system, admin(system, "inv-sender"))
    receiver = an_active_organisation(system, admin(system, "inv-receiver"), receiving=True)
    dutch_member = a_member(system, receiver, "nl")
    quiet_member = a_member(system, receiver, "en")
    choose(system, quiet_member, invoice_received=False)
    wait_for_event(system, "EmailPreferencesChanged", quiet_member.user_id)

    number = a_number("MAIL")
    request = f"mail-trace-{uuid.uuid4()}"
    submit(system, sender, invoice(sender.participant, receiver.participant, number), request)

    [english] = wait_for_kind(system, receiver.person.email, "invoice_received")
    [dutch] = wait_for_kind(system, dutch_member.email, "invoice_received")
    assert english["Subject"].startswith(f"Invoice {number} from ")
    assert english["Subject"].endswith(f" received for {receiver.organisation['name']}")
    assert dutch["Subject"].startswith(f"Factuur {number} van ")
    assert "€1,656.25" in text_of(english) and "€\xa01.656,25" in text_of(dutch)
    assert "November 13, 2026" in text_of(english) and "13 november 2026" in text_of(dutch)
    incoming = api(
        system,
        receiver.person,
        "GET",
        f"/api/v1/organisations/{receiver.id}/invoices",
        params={"direction": "incoming", "number": number},
    ).json()["invoices"][0]
    page = f"{system.gateway_url}/organisations/{receiver.id}/invoices/{incoming['id']}"
    assert page in text_of(english) and f'href="{page}"' in html_of(english)

    [decision] = wait_for_decision(system, quiet_member, "invoice_received", "suppressed")
    assert decision["reason"] == "preference-off: invoice_received"
    assert mails_of(system, quiet_member.email, "invoice_received") == []

    [sent] = wait_for_kind(system, sender.person.email, "invoice_sent")
    assert sent["Subject"].startswith(f"Invoice {number} was sent to ")
    assert receiver.participant in text_of(sent)
    assert sent["X-Event-Id"], "traceable to its event"
    # Both sides' mails carry the correlation id of the request that sent the invoice.
    assert sent["X-Correlation-Id"] == english["X-Correlation-Id"] == request


def test_whoever_submitted_an_undeliverable_invoice_hears_why_unless_they_chose_not_to(
    system: Stack,
) -> None:
    person = admin(system, "inv-fail")
    sender = an_active_organisation(system, person)
    not_receiving = an_active_organisation(system, person)

    number = a_number("FAIL")
    submit(system, sender, invoice(sender.participant, not_receiving.participant, number))
    [failed] = wait_for_kind(system, person.email, "invoice_delivery_failed")
    assert failed["Subject"] == f"Invoice {number} could not be delivered"
    assert "does not receive e-invoices" in text_of(failed)
    assert "What you can do" in text_of(failed)

    choose(system, person, invoice_delivery_failed=False)
    wait_for_event(system, "EmailPreferencesChanged", person.user_id)
    submit(system, sender, invoice(sender.participant, not_receiving.participant, a_number("FAIL")))
    wait_for_decision(system, person, "invoice_delivery_failed", "suppressed")
    assert len(mails_of(system, person.email, "invoice_delivery_failed")) == 1

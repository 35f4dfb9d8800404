"""Send an invoice over HTTP and follow it into the recipient's inbox."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import nats
import pypdf
from contracts.commands.invoicing import INLINE_DOCUMENT_BYTES
from devstack.stack import Stack
from gateway.web.detail_words import detail_in
from invoicing.validation.samples import invoice_with_lines
from nats.js.errors import NotFoundError

from tests.e2e.invoicing.conftest import Party, an_active_organisation
from tests.e2e.invoicing.documents import a_number, invoice, without_currency
from tests.e2e.organisation.world import api, eventually
from tests.e2e.system import published_events

XML = {"Content-Type": "application/xml"}


def submit(system: Stack, party: Party, document: bytes, key: str | None = None):  # type: ignore[no-untyped-def]
    return api(
        system,
        party.person,
        "POST",
        f"/api/v1/organisations/{party.id}/invoices",
        content=document,
        headers={**XML, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def detail(system: Stack, party: Party, invoice_id: str) -> dict:  # type: ignore[type-arg]
    answer = api(
        system, party.person, "GET", f"/api/v1/organisations/{party.id}/invoices/{invoice_id}"
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_an_invoice_goes_from_sender_to_the_receivers_inbox(
    system: Stack, sender: Party, receiver: Party
) -> None:
    number = a_number()
    document = invoice(sender.participant, receiver.participant, number)
    answer = submit(system, sender, document)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "accepted"
    assert answer.headers["location"] == f"/api/v1/organisations/{sender.id}/invoices/{body['id']}"
    assert eventually(lambda: detail(system, sender, body["id"])["status"] == "delivered")
    sent = detail(system, sender, body["id"])
    assert sent["direction"] == "outgoing" and sent["invoice_number"] == number
    assert sent["recipient"]["participant_id"] == receiver.participant
    assert sent["currency"] == "EUR" and sent["payable_amount"]
    assert [step["event"] for step in sent["timeline"]] == [
        "InvoiceSubmitted",
        "InvoiceSent",
        "InvoiceDelivered",
    ]
    inbox = api(
        system,
        receiver.person,
        "GET",
        f"/api/v1/organisations/{receiver.id}/invoices",
        params={"direction": "incoming", "number": number},
    ).json()
    [incoming] = inbox["invoices"]
    assert (
        incoming["status"] == "received"
        and incoming["sender"]["participant_id"] == sender.participant
    )
    received = detail(system, receiver, incoming["id"])
    assert received["timeline"][0]["event"] == "InvoiceReceived"
    ubl = api(
        system,
        receiver.person,
        "GET",
        f"/api/v1/organisations/{receiver.id}/invoices/{incoming['id']}/ubl",
    )
    assert ubl.status_code == 200 and ubl.content == document
    assert ubl.headers["content-type"].startswith("application/xml")
    assert ubl.headers["content-disposition"] == f'attachment; filename="{number}.xml"'
    pdf = api(
        system, sender.person, "GET", f"/api/v1/organisations/{sender.id}/invoices/{body['id']}/pdf"
    )
    assert pdf.status_code == 200, pdf.text
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert number in text and len(reader.pages) >= 1
    assert pdf.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    kinds = {
        e["type"]
        for e in published_events(system, "events.invoicing.>")
        if e["data"].get("invoice_number") == number
    }
    assert {"InvoiceSubmitted", "InvoiceSent", "InvoiceDelivered", "InvoiceReceived"} <= kinds


def test_the_same_key_and_body_answer_the_same_and_another_body_is_refused(
    system: Stack, sender: Party, receiver: Party
) -> None:
    key = str(uuid.uuid4())
    document = invoice(sender.participant, receiver.participant)
    first = submit(system, sender, document, key)
    assert first.status_code == 202, first.text
    assert eventually(lambda: detail(system, sender, first.json()["id"])["status"] == "delivered")
    again = submit(system, sender, document, key)  # after delivery: still the first answer
    assert again.status_code == 202
    assert again.json() == first.json() == {"id": first.json()["id"], "status": "accepted"}
    assert again.headers["location"] == first.headers["location"]
    other = submit(system, sender, invoice(sender.participant, receiver.participant), key)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:problem:invoicing:idempotency-key-reused"
    missing = api(
        system,
        sender.person,
        "POST",
        f"/api/v1/organisations/{sender.id}/invoices",
        content=document,
        headers=XML,
    )
    assert missing.status_code == 400
    too_long = submit(system, sender, document, "k" * 201)
    assert too_long.status_code == 422
    assert too_long.json()["errors"] == [
        {"field": "Idempotency-Key", "message": "at most 200 characters"}
    ]


def test_the_same_key_and_body_at_once_get_one_invoice_and_one_answer(
    system: Stack, sender: Party, receiver: Party
) -> None:
    """Clients that retry before the first answer came: all get the first answer, whichever
    of them made the invoice and however far it has gone meanwhile."""
    for _ in range(3):
        key = str(uuid.uuid4())
        document = invoice(sender.participant, receiver.participant)
        with ThreadPoolExecutor(max_workers=8) as pool:
            calls = [pool.submit(submit, system, sender, document, key) for _ in range(8)]
            answers = [call.result() for call in calls]
        assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
        bodies = [a.json() for a in answers]
        assert all(body == {"id": bodies[0]["id"], "status": "accepted"} for body in bodies)


def dutch(detail: str) -> str:
    """The detail as a Dutch page shows it: translated, not merely passed on."""
    said = detail_in("nl", detail) or ""
    assert said != detail, detail
    return said


def test_the_same_number_and_date_twice_is_a_conflict(
    system: Stack, sender: Party, receiver: Party
) -> None:
    number = a_number("DUP")
    assert (
        submit(
            system, sender, invoice(sender.participant, receiver.participant, number)
        ).status_code
        == 202
    )
    twice = submit(system, sender, invoice(sender.participant, receiver.participant, number))
    assert twice.status_code == 409
    assert number in twice.json()["detail"]
    assert f"Factuur {number} van " in dutch(twice.json()["detail"])


def test_an_invalid_invoice_is_refused_naming_each_rule(
    system: Stack, sender: Party, receiver: Party
) -> None:
    broken = without_currency(invoice(sender.participant, receiver.participant))
    answer = submit(system, sender, broken)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "urn:problem:invoicing:invalid-document"
    assert "niet nageleefd; er is niets bewaard." in dutch(problem["detail"])
    rules = {error["rule"] for error in problem["errors"]}
    assert rules, problem
    assert all(error["severity"] == "fatal" and error["message"] for error in problem["errors"])
    validation = api(
        system, sender.person, "POST", "/api/v1/validations", content=broken, headers=XML
    )
    assert validation.status_code == 200
    assert validation.json()["valid"] is False
    assert {e["rule"] for e in validation.json()["errors"]} == rules
    fine = api(
        system,
        sender.person,
        "POST",
        "/api/v1/validations",
        content=invoice(sender.participant, receiver.participant),
        headers=XML,
    )
    assert fine.status_code == 200 and fine.json()["valid"] is True, fine.text


def test_the_supplier_must_be_the_sending_organisation(
    system: Stack, sender: Party, receiver: Party
) -> None:
    answer = submit(system, sender, invoice("0106:12345670", receiver.participant))
    assert answer.status_code == 422
    assert answer.json()["type"] == "urn:problem:invoicing:sender-mismatch"
    assert "De EndpointID van de leverancier, 0106:12345670, is geen kenmerk van" in dutch(
        answer.json()["detail"]
    )
    # Its KvK number is the register's: the advice does not send anyone to add another one.
    assert "Put one of those in the invoice, or send it from" in answer.json()["detail"]


def test_an_organisation_that_is_not_active_may_not_send(system: Stack, receiver: Party) -> None:
    from tests.e2e.organisation.world import admin

    person = admin(system, "inactive")
    made = api(
        system,
        person,
        "POST",
        "/api/v1/organisations",
        json={"name": "Nog Niet Actief", "address": {"city": "Ede"}, "kvk_number": "12345670"},
    ).json()
    party = Party(person, made)
    answer = submit(system, party, invoice("0106:12345670", receiver.participant))
    assert answer.status_code == 409
    assert answer.json()["type"] == "urn:problem:invoicing:sender-not-active"
    assert dutch(answer.json()["detail"]).startswith(
        "Nog Niet Actief is nog niet geactiveerd: alleen een actieve organisatie mag versturen."
    )


def test_deliveries_that_cannot_arrive_fail_with_the_reason(system: Stack, sender: Party) -> None:
    nowhere = submit(system, sender, invoice(sender.participant, "0106:99999997"))
    assert nowhere.status_code == 202
    assert eventually(
        lambda: detail(system, sender, nowhere.json()["id"])["status"] == "delivery_failed"
    )
    failed = detail(system, sender, nowhere.json()["id"])
    assert "no route outside this platform" in failed["failure_reason"]
    assert failed["timeline"][-1]["event"] == "InvoiceDeliveryFailed"
    quiet = an_active_organisation(system, "quiet")
    refused = submit(system, sender, invoice(sender.participant, quiet.participant))
    assert eventually(
        lambda: detail(system, sender, refused.json()["id"])["status"] == "delivery_failed"
    )
    assert "does not receive" in detail(system, sender, refused.json()["id"])["failure_reason"]


def test_xml_attacks_are_refused_quickly_and_read_nothing(system: Stack, sender: Party) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>'
    )
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&secret;</Invoice>'
    )
    unsafe, unreadable = "unsafe-document", "unreadable-document"
    for attack, kind in (
        (laughs, unsafe),
        (xxe, unsafe),
        (b"<not-closed>", unreadable),  # merely broken or not an invoice: nothing unsafe
        (b"<Order xmlns='urn:x'/>", unreadable),
    ):
        started = time.monotonic()
        answer = submit(system, sender, attack)
        assert answer.status_code in (400, 422), answer.text
        if kind == unsafe:  # refused before anything waits for the validation workers
            assert time.monotonic() - started < 1.0 + 0.5  # the HTTP round trip when busy
        assert "root:" not in answer.text
        assert answer.json()["type"] == f"urn:problem:invoicing:{kind}"


def test_another_environment_never_reaches_invoices(
    system: Stack, sender: Party, receiver: Party
) -> None:
    from tests.e2e.organisation.world import admin

    answer = submit(system, sender, invoice(sender.participant, receiver.participant))
    invoice_id = answer.json()["id"]
    stranger = admin(system, "stranger")
    base = f"/api/v1/organisations/{sender.id}/invoices"
    for method, path in (
        ("GET", base),
        ("GET", f"{base}/{invoice_id}"),
        ("GET", f"{base}/{invoice_id}/ubl"),
        ("GET", f"{base}/{invoice_id}/pdf"),
    ):
        assert api(system, stranger, method, path).status_code == 404, path
    posted = api(
        system,
        stranger,
        "POST",
        base,
        content=invoice(sender.participant, receiver.participant),
        headers={**XML, "Idempotency-Key": "k"},
    )
    assert posted.status_code == 404


def test_lists_filter_and_page(system: Stack, sender: Party, receiver: Party) -> None:
    numbers = [a_number("PAGE") for _ in range(3)]
    for number in numbers:
        assert (
            submit(
                system, sender, invoice(sender.participant, receiver.participant, number)
            ).status_code
            == 202
        )
    base = f"/api/v1/organisations/{sender.id}/invoices"
    page = api(system, sender.person, "GET", base, params={"number": "PAGE", "per_page": 2}).json()
    assert page["total"] >= 3 and len(page["invoices"]) == 2 and page["per_page"] == 2
    second = api(
        system, sender.person, "GET", base, params={"number": "PAGE", "per_page": 2, "page": 2}
    ).json()
    assert {i["id"] for i in page["invoices"]}.isdisjoint({i["id"] for i in second["invoices"]})
    outgoing = api(system, sender.person, "GET", base, params={"direction": "incoming"}).json()
    assert outgoing["invoices"] == []
    by_party = api(
        system, sender.person, "GET", base, params={"counterparty": receiver.participant}
    ).json()
    assert by_party["total"] >= 3
    bad = api(system, sender.person, "GET", base, params={"direction": "sideways"})
    assert bad.status_code in (400, 422)
    everything = api(system, sender.person, "GET", base, params={"number": "%"}).json()
    assert everything["total"] == 0  # a wildcard is a character like any other
    for typed in ("PAGE\x00", "\x1b[2J", "PAGE\n", "\u202eEGAP"):
        control = api(system, sender.person, "GET", base, params={"number": typed})
        assert control.status_code == 422, control.text
        assert control.headers["content-type"].startswith("application/problem+json")
        [error] = control.json()["errors"]
        assert error["field"] == "number" and "control character" in error["message"], error


def test_pdf_options_decide_whether_there_is_a_pdf(system: Stack, receiver: Party) -> None:
    party = an_active_organisation(system, "nopdf")
    path = f"/api/v1/organisations/{party.id}"
    api(
        system,
        party.person,
        "PUT",
        f"{path}/pdf-options",
        json={"generate_pdf": "never", "merge_attachments": False},
    )
    answer = submit(system, party, invoice(party.participant, receiver.participant))
    assert answer.status_code == 202, answer.text
    invoice_id = answer.json()["id"]

    def options_arrived() -> bool:
        return (
            api(system, party.person, "GET", f"{path}/invoices/{invoice_id}/pdf").status_code == 404
        )

    assert eventually(options_arrived)
    api(
        system,
        party.person,
        "PUT",
        f"{path}/pdf-options",
        json={"generate_pdf": "always", "merge_attachments": True},
    )
    assert eventually(
        lambda: (
            api(system, party.person, "GET", f"{path}/invoices/{invoice_id}/pdf").status_code == 200
        )
    )


def _uploads_holding(system: Stack, digest: str) -> bool:
    """Whether the upload bucket holds an object of this SHA-256."""

    async def look() -> bool:
        nc = await nats.connect(system.nats_url)
        try:
            store = await nc.jetstream().object_store("invoice_uploads")
            try:
                await store.get_info(digest)
            except NotFoundError:
                return False
            return True
        finally:
            await nc.close()

    return asyncio.run(look())


def test_a_small_invoice_travels_inline_and_a_large_one_through_the_blob_store(
    system: Stack, sender: Party, receiver: Party
) -> None:
    small = invoice(sender.participant, receiver.participant)
    large_number = a_number("BIG")
    large = invoice_with_lines(invoice(sender.participant, receiver.participant, large_number), 600)
    assert len(small) < INLINE_DOCUMENT_BYTES < len(large) < 10 * 1024 * 1024
    for document in (small, large):
        answer = submit(system, sender, document)
        assert answer.status_code == 202, answer.text
        invoice_id = answer.json()["id"]
        assert eventually(lambda i=invoice_id: detail(system, sender, i)["status"] == "delivered")
        ubl = api(
            system,
            sender.person,
            "GET",
            f"/api/v1/organisations/{sender.id}/invoices/{invoice_id}/ubl",
        )
        assert ubl.status_code == 200 and ubl.content == document
    assert not _uploads_holding(system, hashlib.sha256(small).hexdigest())
    assert _uploads_holding(system, hashlib.sha256(large).hexdigest())
    checked = api(system, sender.person, "POST", "/api/v1/validations", content=large, headers=XML)
    assert checked.status_code == 200 and checked.json()["valid"] is True, checked.text

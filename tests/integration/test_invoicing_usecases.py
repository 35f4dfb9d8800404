"""Invoicing's use cases on SQLite and PostgreSQL: submit, deliver, refuse, list.

Straight through the use cases and the organisation read model (no NATS, no rules): what each
step records, that a redelivery changes nothing, and that the lists filter as the API says.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.commands.caller import Caller
from contracts.commands.invoicing import Finding, ListInvoices
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import (
    OrganisationActivated,
    OrganisationAdded,
    OrganisationMoved,
    ReceivingEnabled,
)
from gateway.web.failures import why_not_delivered
from invoicing.application import InvoicingApplication
from invoicing.integration.outbound import to_integration_event
from invoicing.projections.organisations import apply_organisation_event
from invoicing.state.tables import create_state_tables
from invoicing.usecases.invoices import (
    Accepted,
    Duplicate,
    Invoices,
    KeyReused,
    SubmissionFacts,
)
from servicekit.eventstore import SharedDatabase, store_environment

NOW = datetime.now(UTC)
DOCUMENT = {"bucket": "invoice_documents", "name": "a" * 64, "sha256": "a" * 64, "size": 10}


@pytest.fixture
def app(database_url: str) -> InvoicingApplication:
    return InvoicingApplication(store_environment(database_url))


@pytest.fixture
def database(app: InvoicingApplication) -> SharedDatabase:
    shared = SharedDatabase(app)
    create_state_tables(shared.engine)
    return shared


@pytest.fixture
def invoices(app: InvoicingApplication, database: SharedDatabase) -> Invoices:
    return Invoices(app, database, lambda: datetime.now(UTC))


def learn(database: SharedDatabase, *events: IntegrationEvent) -> None:
    for event in events:
        envelope = Envelope.wrap(
            event,
            id=uuid.uuid4(),
            source="/test",
            time=NOW,
            subject=None,
            sequence=1,
            correlation_id=None,
        )
        with database.transaction() as session:
            apply_organisation_event(session, envelope, event)


def an_organisation(
    database: SharedDatabase, kvk: str, *, receiving: bool = False
) -> tuple[uuid.UUID, uuid.UUID]:
    organisation, environment = uuid.uuid4(), uuid.uuid4()
    learn(
        database,
        OrganisationAdded(
            organisation_id=organisation,
            environment_id=environment,
            name=f"Org {kvk}",
            source="kvk",
            kvk_number=kvk,
            added_at=NOW,
        ),
        OrganisationActivated(
            organisation_id=organisation, environment_id=environment, activated_at=NOW
        ),
    )
    if receiving:
        learn(
            database,
            ReceivingEnabled(
                organisation_id=organisation,
                environment_id=environment,
                name=f"Org {kvk}",
                participant_ids=[f"0106:{kvk}"],
                changed_at=NOW,
            ),
        )
    return organisation, environment


def facts(number: str, recipient: str, issued: date = date(2026, 11, 13)) -> SubmissionFacts:
    return SubmissionFacts(
        document_type="Invoice",
        invoice_number=number,
        issue_date=issued,
        currency="EUR",
        payable_amount="1656.25",
        supplier_name="Sender BV",
        customer_name="Receiver BV",
        sender_participant_id="0106:11111111",
        recipient_participant_id=recipient,
    )


def submit(
    invoices: Invoices, organisation: uuid.UUID, key: str, sha: str, number: str, recipient: str
):  # type: ignore[no-untyped-def]
    known = invoices.organisation(organisation)
    assert known is not None
    return invoices.submit(known, uuid.uuid4(), key, sha, facts(number, recipient), DOCUMENT, [])


def caller_of(environment: uuid.UUID) -> Caller:
    return Caller(
        user_id=uuid.uuid4(), environment_id=environment, session_id=uuid.uuid4(), role="admin"
    )


def test_a_submitted_invoice_is_delivered_once_into_the_receivers_inbox(
    app: InvoicingApplication, database: SharedDatabase, invoices: Invoices
) -> None:
    sender, _ = an_organisation(database, "11111111")
    receiver, receiver_env = an_organisation(database, "22222222", receiving=True)
    outcome = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:22222222")
    assert isinstance(outcome, Accepted)
    for _ in range(2):  # a redelivered event changes nothing
        with database.transaction() as session:
            invoices.deliver(session, outcome.invoice_id)
    out = invoices.detail(sender, outcome.invoice_id)
    assert out is not None and out.status == "delivered"
    assert [s.event for s in out.timeline] == [
        "InvoiceSubmitted",
        "InvoiceSent",
        "InvoiceDelivered",
    ]
    inbox = invoices.page(
        ListInvoices(caller=caller_of(receiver_env), organisation_id=receiver, direction="incoming")
    )
    [incoming] = inbox.invoices
    assert incoming.status == "received" and incoming.invoice_number == "INV-1"
    kinds = [
        type(to_integration_event(e)).__name__
        for e in app.repository.event_store.get(outcome.invoice_id)
    ]
    assert kinds == ["InvoiceSubmitted", "InvoiceSent", "InvoiceDelivered"]
    [received] = [to_integration_event(e) for e in app.repository.event_store.get(incoming.id)]
    assert type(received).__name__ == "InvoiceReceived"
    assert received.organisation_id == receiver  # type: ignore[union-attr]


def test_undeliverable_invoices_fail_with_the_reason(
    database: SharedDatabase, invoices: Invoices
) -> None:
    sender, _ = an_organisation(database, "11111111")
    an_organisation(database, "33333333")  # on the platform, not receiving
    nowhere = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:99999999")
    quiet = submit(invoices, sender, "k2", "2" * 64, "INV-2", "0106:33333333")
    assert isinstance(nowhere, Accepted) and isinstance(quiet, Accepted)
    with database.transaction() as session:
        invoices.deliver(session, nowhere.invoice_id)
        invoices.deliver(session, quiet.invoice_id)
    one = invoices.detail(sender, nowhere.invoice_id)
    two = invoices.detail(sender, quiet.invoice_id)
    assert one is not None and one.status == "delivery_failed"
    assert "no route outside this platform" in (one.failure_reason or "")
    assert two is not None and "does not receive" in (two.failure_reason or "")
    # The pages say these very sentences in Dutch.
    assert why_not_delivered(one.failure_reason or "", "nl") == (
        "De ontvanger 0106:99999999 zit niet op dit platform, en er is geen route daarbuiten."
    )
    assert why_not_delivered(two.failure_reason or "", "nl") == (
        "De ontvanger 0106:33333333 staat op dit platform, maar ontvangt geen e-facturen."
    )


def test_keys_and_numbers_are_used_once(database: SharedDatabase, invoices: Invoices) -> None:
    sender, _ = an_organisation(database, "11111111")
    first = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:22222222")
    again = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:22222222")
    assert isinstance(first, Accepted) and isinstance(again, Accepted)
    assert first.invoice_id == again.invoice_id
    assert isinstance(submit(invoices, sender, "k1", "9" * 64, "INV-9", "0106:2"), KeyReused)
    duplicate = submit(invoices, sender, "k2", "2" * 64, "INV-1", "0106:22222222")
    assert isinstance(duplicate, Duplicate) and duplicate.invoice_id == first.invoice_id


def test_lists_filter_and_page(database: SharedDatabase, invoices: Invoices) -> None:
    sender, environment = an_organisation(database, "11111111")
    for i in range(5):
        submit(
            invoices,
            sender,
            f"k{i}",
            f"{i}" * 64,
            f"INV-{i}",
            "0106:22222222" if i % 2 else "0106:33333333",
        )
    caller = caller_of(environment)
    everything = invoices.page(ListInvoices(caller=caller, organisation_id=sender, per_page=2))
    assert everything.total == 5 and len(everything.invoices) == 2
    assert everything.invoices[0].invoice_number == "INV-4"  # newest first
    odd = invoices.page(
        ListInvoices(caller=caller, organisation_id=sender, counterparty="0106:22222222")
    )
    assert {i.invoice_number for i in odd.invoices} == {"INV-1", "INV-3"}
    assert (
        invoices.page(ListInvoices(caller=caller, organisation_id=sender, number="inv-2")).total
        == 1
    )
    # A part of a number is matched as typed: % and _ are characters, not wildcards.
    for typed in ("%", "inv_1", "_"):
        listed = invoices.page(ListInvoices(caller=caller, organisation_id=sender, number=typed))
        assert listed.total == 0, typed
    assert (
        invoices.page(ListInvoices(caller=caller, organisation_id=sender, counterparty="%")).total
        == 0
    )
    assert (
        invoices.page(ListInvoices(caller=caller, organisation_id=sender, status="delivered")).total
        == 0
    )
    later = invoices.page(
        ListInvoices(caller=caller, organisation_id=sender, issued_from=date(2027, 1, 1))
    )
    assert later.total == 0


def test_a_moved_organisation_keeps_its_invoices_under_its_new_environment(
    database: SharedDatabase, invoices: Invoices
) -> None:
    sender, environment = an_organisation(database, "11111111")
    submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:22222222")
    elsewhere = uuid.uuid4()
    learn(
        database,
        OrganisationMoved(
            organisation_id=sender,
            environment_id=elsewhere,
            from_environment_id=environment,
            name="Org",
            moved_by="operator:test",
            moved_at=NOW,
        ),
    )
    known = invoices.organisation(sender)
    assert known is not None and known.environment_id == elsewhere
    assert (
        invoices.page(ListInvoices(caller=caller_of(elsewhere), organisation_id=sender)).total == 1
    )


def test_warnings_are_kept_with_the_invoice(database: SharedDatabase, invoices: Invoices) -> None:
    sender, _ = an_organisation(database, "11111111")
    known = invoices.organisation(sender)
    assert known is not None
    warning = Finding(
        rule="PEPPOL-EN16931-R002",
        severity="warning",
        message="No more than one note",
        location="/Invoice",
    )
    outcome = invoices.submit(
        known, None, "k", "1" * 64, facts("INV-W", "0106:2"), DOCUMENT, [warning]
    )
    assert isinstance(outcome, Accepted)
    found = invoices.detail(sender, outcome.invoice_id)
    assert found is not None and found.warnings == [warning]
    assert "PEPPOL-EN16931-R002" in found.timeline[0].detail


def test_a_failed_invoice_may_be_sent_again_under_its_number(
    database: SharedDatabase, invoices: Invoices
) -> None:
    sender, _ = an_organisation(database, "11111111")
    first = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:99999999")
    assert isinstance(first, Accepted)
    with database.transaction() as session:
        invoices.deliver(session, first.invoice_id)
    again = submit(invoices, sender, "k2", "1" * 64, "INV-1", "0106:99999999")
    assert isinstance(again, Accepted) and again.invoice_id != first.invoice_id
    # Delivered or on its way, the number is taken.
    assert isinstance(submit(invoices, sender, "k3", "1" * 64, "INV-1", "0106:9"), Duplicate)


def test_with_a_transport_an_unknown_participant_goes_over_the_network(
    app: InvoicingApplication, database: SharedDatabase
) -> None:
    invoices = Invoices(
        app, database, lambda: datetime.now(UTC), network="the access point at ap.example"
    )
    sender, _ = an_organisation(database, "11111111")
    an_organisation(database, "22222222", receiving=True)
    here = submit(invoices, sender, "k0", "0" * 64, "INV-0", "0106:22222222")
    taken = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:99999999")
    refused = submit(invoices, sender, "k2", "2" * 64, "INV-2", "0106:99999999")
    assert isinstance(here, Accepted) and isinstance(taken, Accepted)
    assert isinstance(refused, Accepted)
    assert invoices.claim_for_network(here.invoice_id) is None  # a recipient on this platform
    with database.transaction() as session:  # delivery leaves the network's to the transport
        invoices.deliver(session, taken.invoice_id)
    outside = invoices.claim_for_network(taken.invoice_id)
    assert outside is not None and outside.recipient == "0106:99999999"
    # Claimed, it stays the network's, even when the recipient joins this platform.
    an_organisation(database, "99999999", receiving=True)
    with database.transaction() as session:
        invoices.deliver(session, taken.invoice_id)
    assert invoices.claim_for_network(taken.invoice_id) == outside
    assert outside.sender == "0106:11111111" and outside.document.name == DOCUMENT["name"]
    for _ in range(2):  # a redelivered outcome changes nothing
        with database.transaction() as session:
            invoices.sent_over_network(session, taken.invoice_id, "AP-7")
            invoices.undeliverable(session, refused.invoice_id, "no-route", "Refused (422).")
    assert invoices.claim_for_network(taken.invoice_id) is None  # decided
    sent = invoices.detail(sender, taken.invoice_id)
    assert sent is not None and sent.status == "sent"
    assert [(s.event, s.detail) for s in sent.timeline][1:] == [
        (
            "InvoiceSent",
            "Sent to 0106:99999999 over the Peppol network, through the access point at "
            "ap.example, which knows it as AP-7.",
        )
    ]
    published = [to_integration_event(e) for e in app.repository.event_store.get(taken.invoice_id)]
    assert [type(e).__name__ for e in published] == ["InvoiceSubmitted", "InvoiceSent"]
    assert published[1].route == "peppol"  # type: ignore[attr-defined]
    failed = invoices.detail(sender, refused.invoice_id)
    assert failed is not None and failed.status == "delivery_failed"
    assert failed.failure_reason == "Refused (422)."
    [*_, last] = [
        to_integration_event(e) for e in app.repository.event_store.get(refused.invoice_id)
    ]
    assert last.reason == "no-route"  # type: ignore[attr-defined]


def test_without_a_transport_nothing_is_claimed_for_the_network(
    database: SharedDatabase, invoices: Invoices
) -> None:
    sender, _ = an_organisation(database, "11111111")
    outcome = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:99999999")
    assert isinstance(outcome, Accepted)
    assert invoices.claim_for_network(outcome.invoice_id) is None


def test_the_same_bytes_go_to_the_network_under_the_same_message_id(
    app: InvoicingApplication, database: SharedDatabase
) -> None:
    """A retry, or the same file sent again after a failure: the access point can tell."""
    invoices = Invoices(app, database, lambda: datetime.now(UTC), network="an access point")
    sender, _ = an_organisation(database, "11111111")
    first = submit(invoices, sender, "k1", "1" * 64, "INV-1", "0106:99999999")
    assert isinstance(first, Accepted)
    claimed = invoices.claim_for_network(first.invoice_id)
    assert claimed is not None
    with database.transaction() as session:
        invoices.undeliverable(session, first.invoice_id, "no-route", "Nobody answered.")
    again = submit(invoices, sender, "k2", "1" * 64, "INV-1", "0106:99999999")
    known = invoices.organisation(sender)
    assert known is not None
    other_bytes = {**DOCUMENT, "name": "b" * 64, "sha256": "b" * 64}
    other = invoices.submit(
        known, None, "k3", "b" * 64, facts("INV-2", "0106:99999999"), other_bytes, []
    )
    assert isinstance(again, Accepted) and isinstance(other, Accepted)
    [resent, different] = [invoices.claim_for_network(i.invoice_id) for i in (again, other)]
    assert resent is not None and resent.message_id == claimed.message_id
    assert different is not None and different.message_id != claimed.message_id

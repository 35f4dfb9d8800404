"""The event store's inserts and reads (servicekit.eventstore.BulkInsertRecorder) on SQLite and
PostgreSQL: events saved together are stored in their order with ascending notification ids and
read back as the library reads them, and a version taken twice is refused as eventsourcing
refuses it, leaving nothing behind."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from invoicing.application import InvoicingApplication
from invoicing.domain.invoice import Invoice
from servicekit.eventstore import BulkInsertRecorder, store_environment

NOW = datetime.now(UTC)


def an_invoice() -> Invoice:
    return Invoice(
        organisation_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        submitted_by=None,
        document_type="Invoice",
        invoice_number="INV-1",
        issue_date=date(2026, 11, 13),
        currency="EUR",
        payable_amount="10.00",
        supplier_name="Sender BV",
        customer_name="Receiver BV",
        sender_participant_id="0106:11111111",
        recipient_participant_id="0106:22222222",
        warnings=[],
        document={},
        submitted_at=NOW,
    )


def test_events_saved_together_keep_their_order(database_url: str) -> None:
    app = InvoicingApplication(store_environment(database_url))
    assert isinstance(app.recorder, BulkInsertRecorder)
    first, second = an_invoice(), an_invoice()
    second.send("platform", uuid.uuid4(), NOW)
    second.deliver(uuid.uuid4(), uuid.uuid4(), NOW)

    recordings = app.save(first, second)

    ids = [r.notification.id for r in recordings]
    assert ids == sorted(ids) and len(set(ids)) == 4
    stored = app.recorder.select_notifications(ids[0], 10)
    assert [(n.id, n.originator_id, n.originator_version) for n in stored] == [
        (first_id, event.originator_id, event.originator_version)
        for first_id, event in zip(ids, (r.domain_event for r in recordings), strict=True)
    ]
    assert app.repository.get(second.id).status == "delivered"
    # The reads it answers itself answer as the library's own queries do.
    library = SQLAlchemyApplicationRecorder
    assert stored == library.select_notifications(app.recorder, ids[0], 10)
    assert app.recorder.select_events(second.id) == library.select_events(app.recorder, second.id)


def test_a_version_taken_twice_is_refused_and_leaves_nothing(database_url: str) -> None:
    app = InvoicingApplication(store_environment(database_url))
    invoice = an_invoice()
    app.save(invoice)
    one, other = app.repository.get(invoice.id), app.repository.get(invoice.id)
    one.send("platform", uuid.uuid4(), NOW)
    app.save(one)
    other.send("platform", uuid.uuid4(), NOW)
    other.deliver(uuid.uuid4(), uuid.uuid4(), NOW)

    with pytest.raises(IntegrityError):
        app.save(other)

    assert app.repository.get(invoice.id).version == 2
    assert app.recorder.max_notification_id() == 2

"""Who gets which mail: each kind goes to its people, honours their preferences from the next
event on, and every decision (queued, suppressed) is recorded once and published."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import EmailVerified, UserRegistered
from contracts.events.invoicing import (
    DocumentRef,
    InvoiceDeliveryFailed,
    InvoiceReceived,
    InvoiceSent,
    InvoiceSubmitted,
)
from contracts.events.memberships import MembershipGranted, MembershipRevoked
from contracts.events.my_account import EmailPreferencesChanged
from contracts.events.notifications import ProductNewsAnnounced
from contracts.events.organisation import (
    OrganisationActivated,
    OrganisationAdded,
    OrganisationMoved,
    ReceivingDisabled,
    ReceivingEnabled,
)
from notifications.bootstrap import Notifications, bootstrap
from notifications.integration.outbound import to_envelope
from notifications.settings import NotificationsSettings
from notifications.tables import notification_audit, outgoing_mails
from servicekit.sealing import new_private_key
from sqlalchemy import select

NOW = datetime.now(UTC)
SIX_PREFERENCES = (
    "invoice_received",
    "invoice_sent",
    "invoice_delivery_failed",
    "organisation_activated",
    "receiving_changed",
    "product_news",
)
DOCUMENT = DocumentRef(bucket="invoice_documents", name="x", sha256="0" * 64, size=10)


@dataclass
class World:
    """An environment with its founder, an organisation, an admin member and a member."""

    service: Notifications
    environment: uuid.UUID
    organisation: uuid.UUID
    founder: uuid.UUID
    admin: uuid.UUID
    member: uuid.UUID

    def apply(self, event: IntegrationEvent, envelope: Envelope | None = None) -> Envelope:
        envelope = envelope or Envelope.wrap(
            event,
            id=uuid.uuid4(),
            source="/test",
            time=datetime.now(UTC),
            subject=None,
            sequence=1,
            correlation_id="corr-1",
        )
        with self.service.database.transaction() as session:
            self.service.inbound.apply(session, envelope, event)
        return envelope

    def decided(self, envelope: Envelope) -> dict[str, str]:
        """Recipient -> status of every mail decided for one event."""
        with self.service.database.transaction(commit=False) as session:
            rows = session.execute(
                select(outgoing_mails.c.recipient, outgoing_mails.c.status).where(
                    outgoing_mails.c.event_id == envelope.id
                )
            ).all()
        return {r.recipient: r.status for r in rows}

    def preferences(self, user: uuid.UUID, **choices: bool) -> None:
        wanted = {
            "invoice_received": True,
            "invoice_sent": True,
            "invoice_delivery_failed": True,
            "organisation_activated": True,
            "receiving_changed": True,
            "product_news": False,
            **choices,
        }
        self.apply(
            EmailPreferencesChanged(
                user_id=user, environment_id=self.environment, changed_at=NOW, **wanted
            )
        )


def person(
    world_env: uuid.UUID, user: uuid.UUID, email: str, language: str = "en"
) -> list[IntegrationEvent]:
    return [
        UserRegistered(
            user_id=user,
            environment_id=world_env,
            environment_name="Example",
            email=email,
            full_name=email.split("@")[0].title(),
            language=language,
            registered_at=NOW,
        ),
        EmailVerified(user_id=user, environment_id=world_env, email=email, verified_at=NOW),
    ]


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> World:
    """The same scenarios on SQLite and on PostgreSQL (skipped, saying why, without one)."""
    service = bootstrap(
        NotificationsSettings(
            var_dir=tmp_path,
            notifications_private_key=new_private_key(),
            notifications_database_url=database_url,
        )
    )
    w = World(service, uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    for event in [
        *person(w.environment, w.founder, "founder@example.nl"),
        *person(w.environment, w.admin, "admin@example.nl", "nl"),
        *person(w.environment, w.member, "member@example.nl"),
        OrganisationAdded(
            organisation_id=w.organisation,
            environment_id=w.environment,
            name="Books BV",
            source="manual",
            added_at=NOW,
        ),
    ]:
        w.apply(event)
    for user, role in ((w.admin, "admin"), (w.member, "member")):
        w.apply(
            MembershipGranted(
                user_id=user,
                environment_id=w.environment,
                organisation_id=w.organisation,
                role=role,
                granted_at=NOW,
            )
        )
    return w


def received(w: World) -> InvoiceReceived:
    return InvoiceReceived(
        invoice_id=uuid.uuid4(),
        organisation_id=w.organisation,
        environment_id=w.environment,
        document_type="Invoice",
        invoice_number="INV-7",
        issue_date=date(2026, 11, 13),
        currency="EUR",
        payable_amount="1210.00",
        supplier_name="Supplier BV",
        sender_participant_id="0106:12345678",
        recipient_participant_id="0106:87654321",
        document=DOCUMENT,
        received_at=NOW,
    )


def test_an_invoice_received_goes_to_everyone_who_may_act_for_the_organisation(
    world: World,
) -> None:
    envelope = world.apply(received(world))
    assert world.decided(envelope) == {
        "founder@example.nl": "pending",
        "admin@example.nl": "pending",
        "member@example.nl": "pending",
    }


def test_a_preference_switched_off_applies_to_the_next_event_and_is_recorded(world: World) -> None:
    first = world.apply(received(world))
    world.preferences(world.member, invoice_received=False)
    second = world.apply(received(world))
    assert world.decided(first)["member@example.nl"] == "pending", "decided before the change"
    assert world.decided(second)["member@example.nl"] == "suppressed"
    with world.service.database.transaction(commit=False) as session:
        [entry] = session.execute(
            select(notification_audit).where(notification_audit.c.event_id == second.id)
        ).all()
    assert entry.outcome == "suppressed" and entry.recipient == "member@example.nl"
    assert entry.reason == "preference-off: invoice_received"
    assert entry.correlation_id == "corr-1"


def test_an_unproved_address_gets_no_invoice_mail(world: World) -> None:
    stranger = uuid.uuid4()
    world.apply(person(world.environment, stranger, "unverified@example.nl")[0])
    world.apply(
        MembershipGranted(
            user_id=stranger,
            environment_id=world.environment,
            organisation_id=world.organisation,
            role="member",
            granted_at=NOW,
        )
    )
    envelope = world.apply(received(world))
    assert world.decided(envelope)["unverified@example.nl"] == "suppressed"


def submitted(w: World, invoice: uuid.UUID, by: uuid.UUID | None) -> InvoiceSubmitted:
    return InvoiceSubmitted(
        invoice_id=invoice,
        organisation_id=w.organisation,
        environment_id=w.environment,
        submitted_by=by,
        document_type="Invoice",
        invoice_number="OUT-1",
        issue_date=date(2026, 11, 13),
        currency="EUR",
        payable_amount="99.95",
        supplier_name="Books BV",
        customer_name="Customer BV",
        sender_participant_id="0106:1",
        recipient_participant_id="0106:2",
        document=DOCUMENT,
        submitted_at=NOW,
    )


def test_invoice_sent_goes_to_whoever_submitted_it_with_the_submission_facts(world: World) -> None:
    invoice = uuid.uuid4()
    world.apply(submitted(world, invoice, world.member))
    envelope = world.apply(
        InvoiceSent(
            invoice_id=invoice,
            organisation_id=world.organisation,
            environment_id=world.environment,
            submitted_by=world.member,
            invoice_number="OUT-1",
            recipient_participant_id="0106:2",
            route="platform",
            sent_at=NOW,
        )
    )
    assert world.decided(envelope) == {"member@example.nl": "pending"}
    with world.service.database.transaction(commit=False) as session:
        context = session.execute(
            select(outgoing_mails.c.context).where(outgoing_mails.c.event_id == envelope.id)
        ).scalar_one()
    assert context["customer_name"] == "Customer BV" and context["payable_amount"] == "99.95"


def test_a_failed_delivery_of_an_invoice_sent_by_api_goes_to_the_organisations_admins(
    world: World,
) -> None:
    invoice = uuid.uuid4()
    world.apply(submitted(world, invoice, None))
    envelope = world.apply(
        InvoiceDeliveryFailed(
            invoice_id=invoice,
            organisation_id=world.organisation,
            environment_id=world.environment,
            submitted_by=None,
            invoice_number="OUT-1",
            recipient_participant_id="0106:2",
            reason="recipient-not-receiving",
            detail="The recipient does not receive.",
            failed_at=NOW,
        )
    )
    assert world.decided(envelope) == {
        "founder@example.nl": "pending",
        "admin@example.nl": "pending",
    }


def test_activation_and_receiving_go_to_the_organisations_admins(world: World) -> None:
    world.preferences(world.admin, receiving_changed=False)
    activated = world.apply(
        OrganisationActivated(
            organisation_id=world.organisation,
            environment_id=world.environment,
            name="Books BV",
            activated_at=NOW,
        )
    )
    enabled = world.apply(
        ReceivingEnabled(
            organisation_id=world.organisation,
            environment_id=world.environment,
            name="Books BV",
            participant_ids=["0106:87654321"],
            changed_by=world.founder,
            changed_at=NOW,
        )
    )
    disabled = world.apply(
        ReceivingDisabled(
            organisation_id=world.organisation,
            environment_id=world.environment,
            changed_by=world.founder,
            changed_at=NOW,
        )
    )
    admins = {"founder@example.nl", "admin@example.nl"}
    assert set(world.decided(activated)) == admins
    assert world.decided(enabled) == {
        "founder@example.nl": "pending",
        "admin@example.nl": "suppressed",
    }
    assert set(world.decided(disabled)) == admins


def test_product_news_only_for_those_who_opted_in(world: World) -> None:
    world.preferences(world.member, product_news=True)
    envelope = world.apply(
        ProductNewsAnnounced(
            announcement_id=uuid.uuid4(),
            title_nl="Nieuw",
            title_en="New",
            body_nl="Tekst",
            body_en="Text",
            announced_by="ops",
            announced_at=NOW,
        )
    )
    assert world.decided(envelope) == {
        "founder@example.nl": "suppressed",
        "admin@example.nl": "suppressed",
        "member@example.nl": "pending",
    }


def revoked(w: World, user: uuid.UUID, by: uuid.UUID) -> MembershipRevoked:
    return MembershipRevoked(
        user_id=user,
        environment_id=w.environment,
        organisation_id=w.organisation,
        role="member",
        revoked_by=by,
        revoked_at=NOW,
    )


def test_access_removed_goes_to_who_lost_it_whatever_their_preferences(world: World) -> None:
    world.preferences(world.member, **dict.fromkeys(SIX_PREFERENCES, False))
    removed = world.apply(revoked(world, world.member, by=world.admin))
    assert world.decided(removed) == {"member@example.nl": "pending"}
    # The founder administers the environment: without the membership, they still reach it.
    world.apply(
        MembershipGranted(
            user_id=world.founder,
            environment_id=world.environment,
            organisation_id=world.organisation,
            role="member",
            granted_at=NOW,
        )
    )
    assert world.decided(world.apply(revoked(world, world.founder, by=world.admin))) == {}


def test_access_ended_by_a_move_is_told_to_everyone_left_behind(world: World) -> None:
    world.apply(
        OrganisationMoved(
            organisation_id=world.organisation,
            environment_id=uuid.uuid4(),
            from_environment_id=world.environment,
            name="Books BV",
            moved_by="operator:ops",
            moved_at=NOW,
        )
    )
    operator = uuid.uuid4()  # identity's stand-in id for the operator
    for user, address in (
        (world.member, "member@example.nl"),
        (world.founder, "founder@example.nl"),
    ):
        assert world.decided(world.apply(revoked(world, user, by=operator))) == {address: "pending"}
    with world.service.database.transaction(commit=False) as session:
        contexts = session.execute(
            select(outgoing_mails.c.context).where(outgoing_mails.c.kind == "access_removed")
        ).scalars()
        assert [(c["moved"], c["revoked_by"]) for c in contexts] == [(True, None), (True, None)]


def test_a_replayed_event_decides_nothing_new(world: World) -> None:
    world.preferences(world.member, invoice_received=False)
    event = received(world)
    envelope = world.apply(event)
    decided = world.decided(envelope)
    published = len(world.service.app.recorder.select_notifications(1, 1000))
    # As a replay under another consumer (or a racing replica) brings it: no tracking record.
    world.apply(event, envelope)
    assert world.decided(envelope) == decided
    assert len(world.service.app.recorder.select_notifications(1, 1000)) == published
    with world.service.database.transaction(commit=False) as session:
        rows = session.execute(
            select(outgoing_mails.c.mail_id).where(outgoing_mails.c.event_id == envelope.id)
        ).all()
    assert len(rows) == 3, "one row per person, not two"


def test_suppressed_decisions_are_published_and_queued_ones_wait_for_the_outcome(
    world: World,
) -> None:
    world.preferences(world.member, invoice_received=False)
    envelope = world.apply(received(world))
    published: list[Any] = []
    for notification in world.service.app.recorder.select_notifications(1, 1000):
        public = to_envelope(world.service.app.mapper.to_domain_event(notification))
        if public is not None:
            published.append(public)
    [suppressed] = published
    assert suppressed.type == "NotificationSuppressed"
    assert suppressed.data["recipient"] == "member@example.nl"
    assert suppressed.data["cause_event_id"] == envelope.id
    assert suppressed.causationid == envelope.id and suppressed.correlationid == "corr-1"
    assert suppressed.organisationid == str(world.organisation)

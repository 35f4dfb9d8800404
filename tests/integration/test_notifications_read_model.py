"""Notifications learns users only from events, and queues one mail per verification request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)
from notifications.integration.inbound import EventArrivedEarly, apply_event
from notifications.tables import known_users, metadata, outgoing_mails
from servicekit.database import Database
from sqlalchemy import select

USER = uuid.uuid4()
ENVIRONMENT = uuid.uuid4()
NOW = datetime.now(UTC)


def wrapped(event: IntegrationEvent) -> Envelope:
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/identity",
        time=NOW,
        subject=USER,
        sequence=1,
        correlation_id="c-1",
    )


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'n.db'}")
    metadata.create_all(db.engine)
    return db


def apply(database: Database, event: IntegrationEvent) -> None:
    with database.transaction() as session:
        apply_event(session, wrapped(event), event)


def test_a_verification_that_overtakes_its_registration_waits_for_it(database: Database) -> None:
    verified = EmailVerified(
        user_id=USER, environment_id=ENVIRONMENT, email="a@b.nl", verified_at=NOW
    )
    with pytest.raises(EventArrivedEarly):
        apply(database, verified)
    apply(
        database,
        UserRegistered(
            user_id=USER,
            environment_id=ENVIRONMENT,
            environment_name="b.nl",
            email="a@b.nl",
            full_name="A",
            language="en",
            registered_at=NOW,
        ),
    )
    apply(database, verified)
    with database.transaction(commit=False) as session:
        row = session.execute(select(known_users)).one()
    assert row.email_verified_at is not None and row.language == "en"


def test_a_verification_request_queues_one_mail_with_the_token_still_sealed(
    database: Database,
) -> None:
    request = EmailVerificationRequested(
        user_id=USER,
        environment_id=ENVIRONMENT,
        email="a@b.nl",
        full_name="A",
        language="nl",
        sealed_token="c2VhbGVk",
        expires_at=NOW + timedelta(hours=48),
    )
    envelope = wrapped(request)
    with database.transaction() as session:
        apply_event(session, envelope, request)
    with pytest.raises(Exception), database.transaction() as session:  # noqa: B017
        apply_event(session, envelope, request)  # the same event again: the mail's key is taken
    with database.transaction(commit=False) as session:
        mails = session.execute(select(outgoing_mails)).all()
    assert len(mails) == 1
    assert mails[0].context["sealed_token"] == "c2VhbGVk"
    assert mails[0].correlation_id == "c-1"


def test_a_reset_request_and_a_sign_up_with_a_known_address_each_queue_one_security_mail(
    database: Database,
) -> None:
    apply(
        database,
        PasswordResetRequested(
            user_id=USER,
            environment_id=ENVIRONMENT,
            email="a@b.nl",
            full_name="A",
            language="en",
            sealed_token="c2VhbGVkLXJlc2V0",
            expires_at=NOW + timedelta(minutes=30),
        ),
    )
    apply(
        database,
        SignUpAttemptedForExistingAccount(
            user_id=USER,
            environment_id=ENVIRONMENT,
            email="a@b.nl",
            full_name="A",
            language="en",
            attempted_at=NOW,
        ),
    )
    with database.transaction(commit=False) as session:
        mails = {m.kind: m for m in session.execute(select(outgoing_mails)).all()}
    assert set(mails) == {"password_reset", "account_exists"}
    assert mails["password_reset"].context["sealed_token"] == "c2VhbGVkLXJlc2V0"
    assert all(m.recipient == "a@b.nl" and m.language == "en" for m in mails.values())

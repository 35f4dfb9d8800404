"""Other contexts' events, applied to the notifications read model and mail outbox.

Runs inside the consumer's transaction: whatever these functions write commits together with
the record that the event was processed, or not at all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import (
    EmailVerificationRequested,
    EmailVerified,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    UserRegistered,
)
from contracts.events.memberships import UserInvited
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from notifications.integration.invitations import INVITATION, invitation_mail_context
from notifications.tables import known_users, outgoing_mails

MAIL_NAMESPACE = uuid.UUID("0b5c1d7e-3a44-5f61-8e2b-9c7d1a3f5e60")

EMAIL_VERIFICATION = "email_verification"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of mail, not a password)
ACCOUNT_EXISTS = "account_exists"


class EventArrivedEarly(Exception):
    """An event about something this read model has not seen yet; retried with backoff."""


def mail_id(event_id: str, recipient: str) -> str:
    """The id of the one mail an event may cause for a recipient."""
    return str(uuid.uuid5(MAIL_NAMESPACE, f"{event_id}:{recipient.lower()}"))


def apply_event(session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
    """Apply one integration event; unknown kinds are not ours to act on."""
    if isinstance(event, UserRegistered):
        _remember_user(session, event)
    elif isinstance(event, EmailVerificationRequested):
        _queue_verification_mail(session, envelope, event)
    elif isinstance(event, PasswordResetRequested):
        _queue_mail(
            session,
            envelope,
            PASSWORD_RESET,
            event.email,
            event.language,
            {
                "full_name": event.full_name,
                "sealed_token": event.sealed_token,
                "expires_at": event.expires_at.isoformat(),
            },
        )
    elif isinstance(event, UserInvited):
        _queue_mail(
            session,
            envelope,
            INVITATION,
            event.email,
            event.language,
            invitation_mail_context(event),
        )
    elif isinstance(event, SignUpAttemptedForExistingAccount):
        _queue_mail(
            session,
            envelope,
            ACCOUNT_EXISTS,
            event.email,
            event.language,
            {"full_name": event.full_name},
        )
    elif isinstance(event, EmailVerified):
        result = session.execute(
            update(known_users)
            .where(known_users.c.user_id == str(event.user_id))
            .values(email_verified_at=event.verified_at)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            # Overtook the user's UserRegistered (which is being retried): try again later.
            raise EventArrivedEarly(f"user {event.user_id} is not known yet")


def _remember_user(session: Session, event: UserRegistered) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {
        "user_id": str(event.user_id),
        "environment_id": str(event.environment_id),
        "email": event.email,
        "full_name": event.full_name,
        "language": event.language,
        "registered_at": event.registered_at,
    }
    session.execute(
        insert(known_users)
        .values(**values)
        .on_conflict_do_update(index_elements=[known_users.c.user_id], set_=values)
    )


def _queue_verification_mail(
    session: Session, envelope: Envelope, event: EmailVerificationRequested
) -> None:
    _queue_mail(
        session,
        envelope,
        EMAIL_VERIFICATION,
        event.email,
        event.language,
        {
            "full_name": event.full_name,
            "sealed_token": event.sealed_token,
            "expires_at": event.expires_at.isoformat(),
        },
    )


def _queue_mail(
    session: Session,
    envelope: Envelope,
    kind: str,
    recipient: str,
    language: str,
    context: dict[str, str],
) -> None:
    # Security mails (verification, reset, someone used your address): always sent, whatever
    # the user's preferences. A token stays sealed in `context` until the mail is composed.
    now = datetime.now(UTC)
    session.execute(
        outgoing_mails.insert().values(
            mail_id=mail_id(envelope.id, recipient),
            event_id=envelope.id,
            kind=kind,
            recipient=recipient,
            language=language,
            context=context,
            correlation_id=envelope.correlationid,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )

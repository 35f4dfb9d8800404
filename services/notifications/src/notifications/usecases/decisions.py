"""Deciding, per recipient, whether an event's mail goes out: the exactly-once half that a
transaction can cover.

Runs inside the consumer's transaction. For every recipient it writes, together with the
consumer's tracking record, the outbox row (keyed by the notification id, derived from event
and address): pending, or suppressed with its `Decision` and audit entry. A redelivered event
is stopped by the tracking record; a replay of the stream under another consumer (or a second
replica racing this one) is stopped by the outbox row's key, checked first, so nothing is
decided, queued or published twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts.envelope import Envelope
from servicekit import tracing
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from notifications.application import NotificationsApplication
from notifications.domain.decision import Decision
from notifications.domain.mail_kinds import Recipient, suppression_for
from notifications.domain.notification import Mail, notification_id
from notifications.tables import outgoing_mails
from notifications.usecases.audit import record_decision

Clock = Callable[[], datetime]

_QUEUED_COLUMNS = [
    outgoing_mails.c[name]
    for name in (
        "mail_id",
        "event_id",
        "event_type",
        "kind",
        "recipient",
        "user_id",
        "environment_id",
        "organisation_id",
        "language",
        "context",
        "correlation_id",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
]
# One statement, built and compiled once (it runs for every recipient): the outbox row, unless
# one with its key exists (a replay, a racing replica); what it returns says which (a row count
# is not reported by every driver for INSERT ... SELECT).
_QUEUE_UNLESS_DECIDED = (
    outgoing_mails.insert()
    .from_select(
        _QUEUED_COLUMNS,
        select(*(bindparam(f"new_{c.name}", type_=c.type) for c in _QUEUED_COLUMNS)).where(
            ~exists().where(outgoing_mails.c.mail_id == bindparam("new_mail_id"))
        ),
    )
    .returning(outgoing_mails.c.mail_id)
)


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class MailRequest:
    """The mail an event calls for, before it is decided per recipient."""

    kind: str
    context: dict[str, Any]
    environment_id: UUID | None = None
    organisation_id: UUID | None = None


@dataclass(frozen=True)
class Decided:
    """What one event's decisions came to."""

    queued: int = 0
    suppressed: int = 0
    already_decided: int = 0


class Decisions:
    """Records the decision about each (event, recipient) mail, once."""

    def __init__(self, app: NotificationsApplication, clock: Clock = utc_now) -> None:
        self._app = app
        self._clock = clock
        self.recorded = False
        """Set when decisions were saved (something for the relay to publish); the worker
        clears it."""

    def decide(
        self,
        session: Session,
        envelope: Envelope,
        request: MailRequest,
        recipients: Iterable[Recipient],
    ) -> Decided:
        """Queue the mail for everyone who wants it; record why the others do not get it."""
        now = self._clock()
        # An event without a correlation id (some producers' consumers do not pass theirs on)
        # gets the one this service logs its handling under, so mail and logs still meet.
        correlation_id = envelope.correlationid or current_correlation_id()
        queued = suppressed = already = 0
        decisions: list[Decision] = []
        seen: set[str] = set()
        for recipient in recipients:
            address = recipient.email.lower()
            if address in seen:
                continue
            seen.add(address)
            mail = Mail(
                notification_id=notification_id(envelope.id, recipient.email),
                event_id=envelope.id,
                event_type=envelope.type,
                kind=request.kind,
                recipient=recipient.email,
                user_id=recipient.user_id,
                environment_id=request.environment_id,
                organisation_id=request.organisation_id,
            )
            suppression = suppression_for(request.kind, recipient)
            context = {"full_name": recipient.full_name, **request.context}
            queued_now = session.execute(
                _QUEUE_UNLESS_DECIDED,
                {
                    f"new_{name}": value
                    for name, value in {
                        "mail_id": str(mail.notification_id),
                        "event_id": mail.event_id,
                        "event_type": mail.event_type,
                        "kind": mail.kind,
                        "recipient": mail.recipient,
                        "user_id": _text(mail.user_id),
                        "environment_id": _text(mail.environment_id),
                        "organisation_id": _text(mail.organisation_id),
                        "language": recipient.language,
                        # A suppressed mail is never written: nothing of it needs keeping.
                        "context": {} if suppression else context,
                        "correlation_id": correlation_id,
                        "status": "suppressed" if suppression else "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }.items()
                },
            )
            if queued_now.first() is None:
                already += 1
                continue
            if suppression is None:
                # Queued: the outbox row is the decision; the bus hears when it is sent.
                tracing.remember(("mail", str(mail.notification_id)))
                queued += 1
                continue
            suppressed += 1
            with caused_by(correlation_id):
                decision = Decision.suppressed(
                    mail,
                    _reason(suppression.reason, suppression.preference),
                    suppression.preference,
                    now,
                )
            decisions.append(decision)
            record_decision(session, decision, correlation_id)
        if decisions:
            self._app.save(*decisions)
            self.recorded = True
        return Decided(queued, suppressed, already)


def _reason(reason: str, preference: str | None) -> str:
    if reason == "preference-off":
        return f"preference-off: {preference}"
    return reason


def _text(value: Any) -> str | None:
    return None if value is None else str(value)

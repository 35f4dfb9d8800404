"""Deciding, per recipient, whether an event's mail goes out: the exactly-once half that a
transaction can cover.

Runs inside the consumer's transaction. For every recipient it writes, together with the
consumer's tracking record: the outbox row (keyed by the notification id, derived from event
and address), the notification's `Decided` event and, when suppressed, the audit entry. A
redelivered event is stopped by the tracking record; a replay of the stream under another
consumer (or a second replica racing this one) is stopped by the outbox row's key, checked
first, so nothing is decided, queued or published twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts.envelope import Envelope
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id
from sqlalchemy.orm import Session

from notifications.application import NotificationsApplication
from notifications.domain.mail_kinds import Recipient, suppression_for
from notifications.domain.notification import Notification, notification_id
from notifications.projections.upsert import insert_once
from notifications.tables import outgoing_mails
from notifications.usecases.audit import record_decision

Clock = Callable[[], datetime]


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
        decided: list[Notification] = []
        seen: set[str] = set()
        for recipient in recipients:
            address = recipient.email.lower()
            if address in seen:
                continue
            seen.add(address)
            suppression = suppression_for(request.kind, recipient)
            mail_id = notification_id(envelope.id, recipient.email)
            context = {"full_name": recipient.full_name, **request.context}
            first_time = insert_once(
                session,
                outgoing_mails,
                {
                    "mail_id": str(mail_id),
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "kind": request.kind,
                    "recipient": recipient.email,
                    "language": recipient.language,
                    # A suppressed mail is never written: nothing of it needs keeping.
                    "context": {} if suppression else context,
                    "correlation_id": correlation_id,
                    "status": "suppressed" if suppression else "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            if not first_time:
                already += 1
                continue
            with caused_by(correlation_id):
                notification = Notification(
                    event_id=envelope.id,
                    recipient=recipient.email,
                    event_type=envelope.type,
                    kind=request.kind,
                    user_id=recipient.user_id,
                    environment_id=request.environment_id,
                    organisation_id=request.organisation_id,
                    suppressed_because=suppression.reason if suppression else None,
                    preference=suppression.preference if suppression else None,
                    decided_at=now,
                )
            decided.append(notification)
            if suppression is None:
                queued += 1
                continue
            suppressed += 1
            record_decision(
                session,
                about_notification(notification),
                "suppressed",
                now,
                correlation_id,
                reason=_reason(suppression.reason, suppression.preference),
            )
        if decided:
            self._app.save(*decided)
        return Decided(queued, suppressed, already)


def about_notification(notification: Notification) -> dict[str, Any]:
    """The fields that name a notification, for the audit."""
    return {
        "notification_id": notification.id,
        "event_id": notification.event_id,
        "event_type": notification.event_type,
        "kind": notification.kind,
        "recipient": notification.recipient,
        "user_id": notification.user_id,
        "environment_id": notification.environment_id,
        "organisation_id": notification.organisation_id,
    }


def _reason(reason: str, preference: str | None) -> str:
    if reason == "preference-off":
        return f"preference-off: {preference}"
    return reason

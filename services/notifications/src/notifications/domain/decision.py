"""A decision about one mail: sent, suppressed, or failed (held, or refused for good).

Each decision is a fact of its own, recorded once: its id is derived from the notification and
the outcome, so a second "sent" for the same mail (a replay, a racing replica) cannot be
recorded, and neither can a second suppression. A held mail that the server takes later gets a
"failed" and then a "sent" decision; one refused for good after being held gets a second,
permanent "failed". Which transitions are allowed is the mail outbox's to guard (one sender
owns a mail at a time); what was decided is this.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from notifications.domain.notification import Mail

SENT = "sent"
SUPPRESSED = "suppressed"
FAILED = "failed"


def decision_id(
    notification_id: uuid.UUID, outcome: str, permanent: bool | None = None
) -> uuid.UUID:
    """The id of the one decision of this outcome about a notification."""
    return uuid.uuid5(notification_id, f"{outcome}:permanent" if permanent else outcome)


class Decision(CorrelatedAggregate):
    """What was decided about one mail, and why."""

    @staticmethod
    def create_id(notification_id: uuid.UUID, outcome: str, permanent: bool | None) -> uuid.UUID:
        """Derived from the notification and the outcome: one of each."""
        return decision_id(notification_id, outcome, permanent)

    @event("Recorded")
    def __init__(
        self,
        notification_id: uuid.UUID,
        outcome: str,
        permanent: bool | None,
        event_id: str,
        event_type: str,
        kind: str,
        recipient: str,
        user_id: uuid.UUID | None,
        environment_id: uuid.UUID | None,
        organisation_id: uuid.UUID | None,
        reason: str | None,
        preference: str | None,
        message_id: str | None,
        attempts: int | None,
        decided_at: datetime,
    ) -> None:
        self.notification_id = notification_id
        self.outcome = outcome
        self.permanent = permanent
        self.mail = Mail(
            notification_id,
            event_id,
            event_type,
            kind,
            recipient,
            user_id,
            environment_id,
            organisation_id,
        )
        self.reason = reason
        self.decided_at = decided_at

    @classmethod
    def sent(cls, mail: Mail, message_id: str, attempts: int, at: datetime) -> Decision:
        """The mail server took the mail."""
        return cls(
            outcome=SENT,
            permanent=None,
            reason=None,
            preference=None,
            message_id=message_id,
            attempts=attempts,
            decided_at=at,
            **mail.fields(),
        )

    @classmethod
    def suppressed(cls, mail: Mail, reason: str, preference: str | None, at: datetime) -> Decision:
        """No mail, on purpose: a preference is off, or the address is not proved."""
        return cls(
            outcome=SUPPRESSED,
            permanent=None,
            reason=reason,
            preference=preference,
            message_id=None,
            attempts=None,
            decided_at=at,
            **mail.fields(),
        )

    @classmethod
    def failed(
        cls, mail: Mail, reason: str, permanent: bool, attempts: int, at: datetime
    ) -> Decision:
        """Given up on: held until the server takes it, or refused for good."""
        return cls(
            outcome=FAILED,
            permanent=permanent,
            reason=reason,
            preference=None,
            message_id=None,
            attempts=attempts,
            decided_at=at,
            **mail.fields(),
        )

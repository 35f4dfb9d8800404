"""The notification aggregate: one e-mail that one event may cause for one recipient.

Its id is derived from the event id and the address, so deciding twice about the same pair
(a redelivery, a replay, a second replica) names the same aggregate and cannot record a second
decision. The decision comes first (queued or suppressed); a queued one ends sent, or failed:
held (the server kept failing; it still goes out when the server takes it) or refused for good.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from notifications.domain.errors import NotificationClosed

NOTIFICATION_NAMESPACE = uuid.UUID("0b5c1d7e-3a44-5f61-8e2b-9c7d1a3f5e60")


def notification_id(event_id: str, recipient: str) -> uuid.UUID:
    """The one notification an event may cause for a recipient (also the mail's Message-ID)."""
    return uuid.uuid5(NOTIFICATION_NAMESPACE, f"{event_id}:{recipient.lower()}")


class Notification(CorrelatedAggregate):
    """What was decided, and what became, of one (event, recipient) mail."""

    @staticmethod
    def create_id(event_id: str, recipient: str) -> uuid.UUID:
        """Derived from the event and the address: the same on every replay."""
        return notification_id(event_id, recipient)

    @event("Decided")
    def __init__(
        self,
        event_id: str,
        recipient: str,
        event_type: str,
        kind: str,
        user_id: uuid.UUID | None,
        environment_id: uuid.UUID | None,
        organisation_id: uuid.UUID | None,
        suppressed_because: str | None,
        preference: str | None,
        decided_at: datetime,
    ) -> None:
        self.event_id = event_id
        self.recipient = recipient
        self.event_type = event_type
        self.kind = kind
        self.user_id = user_id
        self.environment_id = environment_id
        self.organisation_id = organisation_id
        self.status = "suppressed" if suppressed_because else "queued"

    @property
    def suppressed(self) -> bool:
        """Decided against: no mail goes out."""
        return self.status == "suppressed"

    def record_sent(self, message_id: str, attempts: int, at: datetime) -> None:
        """The mail server accepted the mail (also after it was held)."""
        if self.status not in ("queued", "held"):
            raise NotificationClosed(f"notification {self.id} is {self.status}; nothing to send")
        self._sent(message_id=message_id, attempts=attempts, sent_at=at, **self._about())

    @event("Sent")
    def _sent(
        self,
        message_id: str,
        attempts: int,
        sent_at: datetime,
        event_id: str,
        recipient: str,
        event_type: str,
        kind: str,
        user_id: uuid.UUID | None,
        environment_id: uuid.UUID | None,
        organisation_id: uuid.UUID | None,
    ) -> None:
        self.status = "sent"

    def record_failure(self, reason: str, permanent: bool, attempts: int, at: datetime) -> None:
        """Give up on the mail: for good, or hold it until the server takes it.

        A held mail may still be refused for good later; a refused one is closed.
        """
        if not (self.status == "queued" or (self.status == "held" and permanent)):
            raise NotificationClosed(f"notification {self.id} is {self.status}; cannot fail it")
        self._failed(
            reason=reason, permanent=permanent, attempts=attempts, failed_at=at, **self._about()
        )

    @event("Failed")
    def _failed(
        self,
        reason: str,
        permanent: bool,
        attempts: int,
        failed_at: datetime,
        event_id: str,
        recipient: str,
        event_type: str,
        kind: str,
        user_id: uuid.UUID | None,
        environment_id: uuid.UUID | None,
        organisation_id: uuid.UUID | None,
    ) -> None:
        self.status = "failed" if permanent else "held"

    def _about(self) -> dict[str, Any]:
        # Each event says which mail it is about, so the public contract is made from the
        # event alone (the relay sees events, not aggregates).
        return {
            "event_id": self.event_id,
            "recipient": self.recipient,
            "event_type": self.event_type,
            "kind": self.kind,
            "user_id": self.user_id,
            "environment_id": self.environment_id,
            "organisation_id": self.organisation_id,
        }

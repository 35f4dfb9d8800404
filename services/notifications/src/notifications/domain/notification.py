"""A notification: the one e-mail an event may cause for one recipient.

Its id is derived from the event id and the address, so every replay, redelivery or replica
names the same notification; it is the outbox row's key, the mail's Message-ID, and the root of
the ids of the decisions about it (`notifications.domain.decision`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

NOTIFICATION_NAMESPACE = uuid.UUID("0b5c1d7e-3a44-5f61-8e2b-9c7d1a3f5e60")


def notification_id(event_id: str, recipient: str) -> uuid.UUID:
    """The one notification an event may cause for a recipient."""
    return uuid.uuid5(NOTIFICATION_NAMESPACE, f"{event_id}:{recipient.lower()}")


@dataclass(frozen=True)
class Mail:
    """Which mail a decision is about: the notification, what called for it, for whom."""

    notification_id: uuid.UUID
    event_id: str
    event_type: str
    kind: str
    recipient: str
    user_id: uuid.UUID | None = None
    environment_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None

    def fields(self) -> dict[str, Any]:
        """As keyword arguments."""
        # Not dataclasses.asdict: it deep-copies every value, and this runs for every mail.
        return {
            "notification_id": self.notification_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "kind": self.kind,
            "recipient": self.recipient,
            "user_id": self.user_id,
            "environment_id": self.environment_id,
            "organisation_id": self.organisation_id,
        }

"""The e-mail index: looked up by a derived id, saved atomically with the user it points to.

Saving a second index with the same id conflicts in the event store, which is how two
registrations of one e-mail address can never both succeed, even on two replicas at once.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from identity.domain.values import IDENTITY_NAMESPACE


class EmailIndex(CorrelatedAggregate):
    """Points from a normalised e-mail address to its user."""

    @staticmethod
    def create_id(email: str) -> uuid.UUID:
        """The index id for a normalised e-mail address."""
        return uuid.uuid5(IDENTITY_NAMESPACE, f"email:{email}")

    @event("Claimed")
    def __init__(self, email: str, user_id: uuid.UUID) -> None:
        self.user_id = user_id

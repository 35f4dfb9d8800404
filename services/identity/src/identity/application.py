"""Identity's event-sourced application: where users and the e-mail index are stored."""

from __future__ import annotations

import uuid

from eventsourcing.application import AggregateNotFoundError
from servicekit.eventstore import MeteredApplication

from identity.domain.indexes import EmailIndex
from identity.domain.user import User


class IdentityApplication(MeteredApplication):
    """The identity service's event store; the use cases in `identity.usecases` drive it."""

    name = "identity"

    def user(self, user_id: uuid.UUID) -> User:
        """The user as recorded now."""
        user: User = self.repository.get(user_id)
        return user

    def user_id_for(self, email: str) -> uuid.UUID | None:
        """The user a normalised e-mail address belongs to, if any."""
        try:
            index: EmailIndex = self.repository.get(EmailIndex.create_id(email))
        except AggregateNotFoundError:
            return None
        return index.user_id

    def user_for(self, email: str) -> User | None:
        """The user a normalised e-mail address belongs to, if any."""
        user_id = self.user_id_for(email)
        return None if user_id is None else self.user(user_id)

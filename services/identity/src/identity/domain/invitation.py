"""An invitation by e-mail into organisations of an environment, accepted once within its time.

The token itself is never recorded here: its SHA-256 lives in identity's one-time tokens, and
the event carries it only sealed to the notifications service, which writes the mail.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate

from identity.domain.errors import IdentityError
from identity.domain.values import OrganisationRole


class InvalidInvitation(IdentityError):
    """The invitation is unknown, already accepted, or expired."""


class Invitation(CorrelatedAggregate):
    """Someone invited by an administrator to join organisations with a role."""

    @event("Invited")
    def __init__(
        self,
        email: str,
        language: str,
        environment_id: uuid.UUID,
        environment_name: str,
        organisation_ids: list[uuid.UUID],
        organisation_names: list[str],
        role: OrganisationRole,
        invited_by: uuid.UUID,
        inviter_name: str,
        sealed_token: str,
        expires_at: datetime,
    ) -> None:
        self.email = email
        self.language = language
        self.environment_id = environment_id
        self.environment_name = environment_name
        self.organisation_ids = list(organisation_ids)
        self.role: OrganisationRole = role
        self.invited_by = invited_by
        self.inviter_name = inviter_name
        self.expires_at = expires_at
        self.accepted_by: uuid.UUID | None = None

    def accept(self, user_id: uuid.UUID, now: datetime) -> None:
        """Record that `user_id` took up the invitation; once, and before it expires."""
        if self.accepted_by is not None:
            raise InvalidInvitation("the invitation was already accepted")
        if now >= self.expires_at:
            raise InvalidInvitation("the invitation has expired; ask for a new one")
        self._accepted(
            user_id=user_id, accepted_at=now, email=self.email, environment_id=self.environment_id
        )

    @event("Accepted")
    def _accepted(
        self, user_id: uuid.UUID, accepted_at: datetime, email: str, environment_id: uuid.UUID
    ) -> None:
        self.accepted_by = user_id

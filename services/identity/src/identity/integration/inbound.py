"""What identity does with the organisation context's events (one durable consumer)."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import OrganisationMoved
from servicekit.domain import caused_by
from sqlalchemy.orm import Session

from identity.projections.organisations import apply_organisation_event
from identity.usecases.organisation_moves import OrganisationMoves


class OrganisationEvents:
    """Keeps the organisations read model and lets members follow an organisation that moved."""

    def __init__(self, moves: OrganisationMoves) -> None:
        self._moves = moves

    def apply(self, session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
        """The consumer's effect: one transaction with the consumer's tracking record."""
        apply_organisation_event(session, envelope, event)
        if isinstance(event, OrganisationMoved):
            # After the read model: the organisation is filed under its new environment first.
            with caused_by(envelope.correlationid):
                self._moves.members_follow(session, event)

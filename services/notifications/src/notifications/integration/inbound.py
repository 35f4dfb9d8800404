"""Other contexts' events, applied to the notifications read model, then decided as mails.

Runs inside the consumer's transaction: whatever this writes (read model rows, decisions,
outbox rows, audit entries, the notifications' events) commits together with the record that
the event was processed, or not at all.
"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from sqlalchemy.orm import Session

from notifications.integration.mails import mails_for
from notifications.projections.organisations import (
    apply_invoice_event,
    apply_organisation_event,
)
from notifications.projections.people import EventArrivedEarly, apply_identity_event
from notifications.usecases.decisions import Decisions

__all__ = ["EventArrivedEarly", "InboundEvents"]


class InboundEvents:
    """The consumer's effect: learn from the event, then decide its mails."""

    def __init__(self, decisions: Decisions) -> None:
        self._decisions = decisions

    def published_something(self) -> bool:
        """Whether decisions were recorded since the last ask (the relay has work)."""
        recorded, self._decisions.recorded = self._decisions.recorded, False
        return recorded

    def apply(self, session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
        """Apply one integration event; kinds that concern no mail only update the read model."""
        # The read model first: a preference changed by this event applies to it and to every
        # event after it, and a mail about an organisation uses the name it has now.
        if event.context == "identity":
            apply_identity_event(session, event)
        elif event.context == "organisation":
            apply_organisation_event(session, event)
        elif event.context == "invoicing":
            apply_invoice_event(session, event)
        for request, recipients in mails_for(session, envelope, event):
            self._decisions.decide(session, envelope, request, recipients)

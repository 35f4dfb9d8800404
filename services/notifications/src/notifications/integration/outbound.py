"""The one place notifications' domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.notifications import (
    NotificationFailed,
    NotificationSent,
    NotificationSuppressed,
    ProductNewsAnnounced,
)
from servicekit.relay import event_id

from notifications.domain.decision import SENT, SUPPRESSED

SOURCE = "/services/notifications"


def _recorded(e: Any) -> IntegrationEvent:
    about = {
        "notification_id": e.notification_id,
        "cause_event_id": e.event_id,
        "cause_event_type": e.event_type,
        "kind": e.kind,
        "recipient": e.recipient,
        "user_id": e.user_id,
        "environment_id": e.environment_id,
        "organisation_id": e.organisation_id,
    }
    if e.outcome == SENT:
        return NotificationSent(
            **about, message_id=e.message_id, attempts=e.attempts, sent_at=e.decided_at
        )
    if e.outcome == SUPPRESSED:
        return NotificationSuppressed(
            **about,
            reason=e.reason.split(":", 1)[0],
            preference=e.preference,
            suppressed_at=e.decided_at,
        )
    return NotificationFailed(
        **about,
        reason=e.reason,
        permanent=e.permanent,
        attempts=e.attempts,
        failed_at=e.decided_at,
    )


def _announced(e: Any) -> IntegrationEvent:
    return ProductNewsAnnounced(
        announcement_id=e.originator_id,
        title_nl=e.title_nl,
        title_en=e.title_en,
        body_nl=e.body_nl,
        body_en=e.body_en,
        link=e.link,
        announced_by=e.announced_by,
        announced_at=e.announced_at,
    )


# eventsourcing names the event classes after the @event methods' names.
_PUBLIC: dict[str, Callable[[Any], IntegrationEvent]] = {
    "Decision.Recorded": _recorded,
    "ProductNews.Announced": _announced,
}


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """The public contract for a domain event, or None for one that stays inside."""
    mapping = _PUBLIC.get(type(domain_event).__qualname__)
    return None if mapping is None else mapping(domain_event)


def to_envelope(domain_event: Any) -> Envelope | None:
    """Wrap the public form of a domain event for the relay; None when nothing is published."""
    integration_event = to_integration_event(domain_event)
    if integration_event is None:
        return None
    return Envelope.wrap(
        integration_event,
        id=event_id(domain_event.originator_id, domain_event.originator_version),
        source=SOURCE,
        time=domain_event.timestamp,
        subject=domain_event.originator_id,
        sequence=domain_event.originator_version,
        correlation_id=getattr(domain_event, "correlation_id", None) or None,
        causation_id=getattr(domain_event, "event_id", None),
        environment_id=getattr(domain_event, "environment_id", None),
        organisation_id=getattr(domain_event, "organisation_id", None),
    )

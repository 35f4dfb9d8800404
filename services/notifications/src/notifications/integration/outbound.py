"""The one place notifications' domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.notifications import (
    NotificationFailed,
    NotificationSent,
    NotificationSuppressed,
    ProductNewsAnnounced,
)
from servicekit.outbound import Outbound, from_domain_event

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


# The cause of a notification is the event that asked for it.
OUTBOUND = Outbound(SOURCE, _PUBLIC, causation=from_domain_event("event_id"))
to_integration_event = OUTBOUND.to_integration_event
to_envelope = OUTBOUND.to_envelope

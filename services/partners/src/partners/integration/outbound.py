"""The one place partners' domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.partners import (
    WebhookDeliveryFailed,
    WebhookDeliverySucceeded,
    WebhookRegistered,
    WebhookSecretRotated,
)
from servicekit.relay import event_id

SOURCE = "/services/partners"


def _registered(e: Any) -> IntegrationEvent:
    return WebhookRegistered(
        webhook_id=e.originator_id,
        organisation_id=e.organisation_id,
        environment_id=e.environment_id,
        url=e.url,
        events=e.events,
        secret_fingerprint=e.secret_fingerprint,
        registered_by=e.registered_by,
        registered_at=e.registered_at,
    )


def _rotated(e: Any) -> IntegrationEvent:
    return WebhookSecretRotated(
        webhook_id=e.originator_id,
        organisation_id=e.organisation_id,
        environment_id=e.environment_id,
        secret_fingerprint=e.secret_fingerprint,
        previous_fingerprint=e.previous_fingerprint,
        grace_until=e.grace_until,
        rotated_by=e.rotated_by,
        rotated_at=e.rotated_at,
    )


def _outcome(e: Any) -> IntegrationEvent:
    about = {
        "delivery_id": e.delivery_id,
        "webhook_id": e.webhook_id,
        "organisation_id": e.organisation_id,
        "cause_event_id": e.event_id,
        "cause_event_type": e.event_type,
        "attempts": e.attempts,
    }
    if e.succeeded:
        return WebhookDeliverySucceeded(**about, status_code=e.status_code, delivered_at=e.at)
    return WebhookDeliveryFailed(**about, last_error=e.last_error or "unknown", failed_at=e.at)


# eventsourcing names the event classes after the @event methods' names.
_PUBLIC: dict[str, Callable[[Any], IntegrationEvent]] = {
    "Webhook.Registered": _registered,
    "Webhook.SecretRotated": _rotated,
    "DeliveryOutcome.Recorded": _outcome,
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
        environment_id=getattr(domain_event, "environment_id", None),
        organisation_id=getattr(domain_event, "organisation_id", None),
    )

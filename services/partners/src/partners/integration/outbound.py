"""The one place partners' domain events become public integration events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.events.base import IntegrationEvent
from contracts.events.partners import (
    WebhookDeliveryFailed,
    WebhookDeliverySucceeded,
    WebhookRegistered,
    WebhookRemoved,
    WebhookSecretRotated,
)
from servicekit.outbound import Outbound

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


def _removed(e: Any) -> IntegrationEvent:
    return WebhookRemoved(
        webhook_id=e.originator_id,
        organisation_id=e.organisation_id,
        environment_id=e.environment_id,
        url=e.url,
        unsent=e.unsent,
        removed_by=e.removed_by,
        removed_at=e.removed_at,
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
    "Webhook.Removed": _removed,
    "DeliveryOutcome.Recorded": _outcome,
}


OUTBOUND = Outbound(SOURCE, _PUBLIC)
to_integration_event = OUTBOUND.to_integration_event
to_envelope = OUTBOUND.to_envelope

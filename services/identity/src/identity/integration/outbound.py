"""The one place identity's domain events become public integration events."""

from __future__ import annotations

from typing import Any

from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import EmailVerificationRequested, EmailVerified, UserRegistered
from servicekit.relay import event_id

SOURCE = "/services/identity"


def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """The public contract for a domain event, or None for events that stay inside identity."""
    # eventsourcing makes the event classes from the @event methods; they are named by them.
    kind = type(domain_event).__qualname__
    if kind == "User.Registered":
        return UserRegistered(
            user_id=domain_event.originator_id,
            environment_id=domain_event.environment_id,
            environment_name=domain_event.environment_name,
            email=domain_event.email,
            full_name=domain_event.full_name,
            language=domain_event.language,
            registered_at=domain_event.timestamp,
        )
    if kind == "User.VerificationRequested":
        return EmailVerificationRequested(
            user_id=domain_event.originator_id,
            environment_id=domain_event.environment_id,
            email=domain_event.email,
            full_name=domain_event.full_name,
            language=domain_event.language,
            sealed_token=domain_event.sealed_token,
            expires_at=domain_event.expires_at,
        )
    if kind == "User.EmailVerified":
        return EmailVerified(
            user_id=domain_event.originator_id,
            environment_id=domain_event.environment_id,
            email=domain_event.email,
            verified_at=domain_event.verified_at,
        )
    return None


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
    )

"""A webhook: an organisation's URL for some of its events, signed with a rotating secret."""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import event
from servicekit.domain import CorrelatedAggregate


class Webhook(CorrelatedAggregate):
    """One registered webhook. Its secret is never in an event: only its fingerprint."""

    @event("Registered")
    def __init__(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        url: str,
        events: list[str],
        secret_fingerprint: str,
        registered_by: uuid.UUID,
        registered_at: datetime,
    ) -> None:
        self.organisation_id = organisation_id
        self.environment_id = environment_id
        self.url = url
        self.events = list(events)
        self.secret_fingerprint = secret_fingerprint
        self.registered_at = registered_at

    @event("SecretRotated")
    def rotate_secret(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        secret_fingerprint: str,
        previous_fingerprint: str,
        grace_until: datetime,
        rotated_by: uuid.UUID,
        rotated_at: datetime,
    ) -> None:
        """A new secret; the previous one signs too until `grace_until`."""
        self.secret_fingerprint = secret_fingerprint

    @event("Removed")
    def remove(
        self,
        organisation_id: uuid.UUID,
        environment_id: uuid.UUID,
        url: str,
        unsent: int,
        removed_by: uuid.UUID,
        removed_at: datetime,
    ) -> None:
        """No more deliveries; `unsent` were still queued and are not sent."""
        self.removed_at = removed_at


OUTCOME_NAMESPACE = uuid.UUID("5a0e2b61-8f3c-5d47-a1e9-2c6b7d8e9f01")


def outcome_id(delivery_id: uuid.UUID) -> uuid.UUID:
    """The one outcome a delivery has: recording it twice fails on its id."""
    return uuid.uuid5(OUTCOME_NAMESPACE, str(delivery_id))


class DeliveryOutcome(CorrelatedAggregate):
    """How a delivery ended: succeeded (a 2xx came back) or failed (retried for the whole
    period). One small aggregate per delivery, created once, never loaded again."""

    @event("Recorded")
    def __init__(
        self,
        delivery_id: uuid.UUID,
        webhook_id: uuid.UUID,
        organisation_id: uuid.UUID,
        event_id: uuid.UUID,
        event_type: str,
        succeeded: bool,
        attempts: int,
        status_code: int | None,
        last_error: str | None,
        at: datetime,
    ) -> None:
        self.delivery_id = delivery_id
        self.succeeded = succeeded

    @staticmethod
    def create_id(delivery_id: uuid.UUID, **_: object) -> uuid.UUID:
        """Derived from the delivery (see `outcome_id`)."""
        return outcome_id(delivery_id)

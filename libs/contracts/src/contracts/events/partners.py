"""Facts the partners context publishes about webhooks and their deliveries.

A webhook is an organisation's subscription of a URL to some of its events. Secrets never appear
here: a webhook's signing secret is known to the partners service and to the organisation that
registered it, and events name only its fingerprint (the first 12 hex digits of its SHA-256).
"""

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BoundedContext


class WebhookRegistered(IntegrationEvent):
    """An organisation admin registered a URL for some of the organisation's events."""

    event_type: ClassVar[str] = "WebhookRegistered"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "partners"

    webhook_id: UUID = Field(description="The webhook.")
    organisation_id: UUID = Field(description="Whose events it receives.")
    environment_id: UUID = Field(description="That organisation's environment.")
    url: str = Field(description="Where deliveries are POSTed.")
    events: list[str] = Field(description="The event types it receives.")
    secret_fingerprint: str = Field(description="First 12 hex digits of the secret's SHA-256.")
    registered_by: UUID = Field(description="The admin who registered it.")
    registered_at: AwareDatetime = Field(description="When.")


class WebhookSecretRotated(IntegrationEvent):
    """A webhook got a new signing secret; the old one signs too until `grace_until`."""

    event_type: ClassVar[str] = "WebhookSecretRotated"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "partners"

    webhook_id: UUID = Field(description="The webhook.")
    organisation_id: UUID = Field(description="Its organisation.")
    environment_id: UUID = Field(description="That organisation's environment.")
    secret_fingerprint: str = Field(description="Fingerprint of the new secret.")
    previous_fingerprint: str = Field(description="Fingerprint of the secret it replaces.")
    grace_until: AwareDatetime = Field(description="Until when the previous secret signs too.")
    rotated_by: UUID = Field(description="The admin who rotated it.")
    rotated_at: AwareDatetime = Field(description="When.")


class WebhookRemoved(IntegrationEvent):
    """A webhook was removed: it gets no more deliveries, and what was still queued for it is
    not sent."""

    event_type: ClassVar[str] = "WebhookRemoved"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "partners"

    webhook_id: UUID = Field(description="The webhook.")
    organisation_id: UUID = Field(description="Its organisation.")
    environment_id: UUID = Field(description="That organisation's environment.")
    url: str = Field(description="Where its deliveries went.")
    unsent: int = Field(ge=0, description="Deliveries still queued for it, now not sent.")
    removed_by: UUID = Field(description="The admin who removed it.")
    removed_at: AwareDatetime = Field(description="When.")


class _AboutDelivery(BaseModel):
    delivery_id: UUID = Field(description="The delivery: one per (webhook, event, replay).")
    webhook_id: UUID = Field(description="The webhook it went to.")
    organisation_id: UUID = Field(description="The organisation whose event it carried.")
    cause_event_id: UUID = Field(description="The event delivered (its X-Event-Id).")
    cause_event_type: str = Field(description="Its type, e.g. InvoiceReceived.")
    attempts: int = Field(ge=1, description="How many POSTs it took (or were made).")


class WebhookDeliverySucceeded(IntegrationEvent, _AboutDelivery):
    """The partner's endpoint answered a delivery with 2xx."""

    event_type: ClassVar[str] = "WebhookDeliverySucceeded"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "partners"

    status_code: int = Field(description="The endpoint's answer.")
    delivered_at: AwareDatetime = Field(description="When.")


class WebhookDeliveryFailed(IntegrationEvent, _AboutDelivery):
    """A delivery was retried with backoff for the whole retry period and given up on."""

    event_type: ClassVar[str] = "WebhookDeliveryFailed"
    version: ClassVar[int] = 1
    context: ClassVar[BoundedContext] = "partners"

    last_error: str = Field(description="The last answer or transport error.")
    failed_at: AwareDatetime = Field(description="When it was given up on.")


EVENTS: tuple[type[IntegrationEvent], ...] = (
    WebhookRegistered,
    WebhookSecretRotated,
    WebhookRemoved,
    WebhookDeliverySucceeded,
    WebhookDeliveryFailed,
)
"""Every partners event, in every version still in the catalogue."""

__all__ = [
    "EVENTS",
    "WebhookDeliveryFailed",
    "WebhookDeliverySucceeded",
    "WebhookRegistered",
    "WebhookRemoved",
    "WebhookSecretRotated",
]

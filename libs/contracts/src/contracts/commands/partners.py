"""Webhooks of partner systems, behind the gateway's Partners routes (API.md, Partners).

The gateway makes a webhook's secret, answers it to the organisation admin once, and sends it to
the partners service sealed to that service's key: a secret never crosses the bus in the clear.
Every command names the organisation; the gateway has checked the caller administers it.
"""

from typing import ClassVar, Literal, get_args
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.commands.base import Command, ProblemType, Reply
from contracts.commands.caller import Caller

PartnerEventType = Literal[
    "InvoiceSubmitted",
    "InvoiceSent",
    "InvoiceDelivered",
    "InvoiceDeliveryFailed",
    "InvoiceReceived",
    "InvoiceRejected",
    "OrganisationActivated",
    "ReceivingEnabled",
    "ReceivingDisabled",
]
"""The events of an organisation a partner can follow (webhook or NATS feed)."""

PARTNER_EVENT_TYPES: tuple[str, ...] = get_args(PartnerEventType)

DeliveryStatus = Literal["pending", "succeeded", "failed"]
"""pending: not yet delivered (waiting its turn or its next retry); succeeded: a 2xx came back;
failed: retried for the whole retry period and given up on."""


class Webhook(Reply):
    """A registered webhook (never its secret)."""

    id: UUID = Field(description="The webhook.")
    organisation_id: UUID = Field(description="Whose events it receives.")
    url: str = Field(description="Where deliveries are POSTed.")
    events: list[PartnerEventType] = Field(description="The event types it receives.")
    secret_fingerprint: str = Field(description="First 12 hex digits of the secret's SHA-256.")
    previous_secret_valid_until: AwareDatetime | None = Field(
        default=None, description="After a rotation: until when the old secret signs too."
    )
    created_at: AwareDatetime = Field(description="When it was registered.")


class WebhookList(Reply):
    """An organisation's webhooks, oldest first."""

    webhooks: list[Webhook] = Field(description="The webhooks.")


class RegisterWebhook(Command):
    """Register a URL for some of an organisation's events."""

    subject: ClassVar[str] = "cmd.partners.register-webhook"
    reply_model: ClassVar[type[Reply]] = Webhook

    caller: Caller = Field(description="The organisation admin.")
    organisation_id: UUID = Field(description="The organisation.")
    url: str = Field(max_length=2000, description="An http(s) URL.")
    events: list[PartnerEventType] = Field(min_length=1, description="Event types to receive.")
    sealed_secret: str = Field(description="The signing secret, sealed to the partners service.")


class ListWebhooks(Command):
    """An organisation's webhooks."""

    subject: ClassVar[str] = "qry.partners.webhooks"
    reply_model: ClassVar[type[Reply]] = WebhookList

    caller: Caller = Field(description="The organisation admin.")
    organisation_id: UUID = Field(description="The organisation.")


class RotateWebhookSecret(Command):
    """Give a webhook a new secret; the old one keeps signing for `grace_seconds`."""

    subject: ClassVar[str] = "cmd.partners.rotate-webhook-secret"
    reply_model: ClassVar[type[Reply]] = Webhook

    caller: Caller = Field(description="The organisation admin.")
    organisation_id: UUID = Field(description="The organisation.")
    webhook_id: UUID = Field(description="The webhook.")
    sealed_secret: str = Field(description="The new secret, sealed to the partners service.")
    grace_seconds: int = Field(ge=0, le=7 * 24 * 3600, description="How long both secrets sign.")


class RemoveWebhook(Command):
    """Remove a webhook: no more deliveries; the ones still queued are not sent."""

    subject: ClassVar[str] = "cmd.partners.remove-webhook"
    reply_model: ClassVar[type[Reply]] = Webhook

    caller: Caller = Field(description="The organisation admin.")
    organisation_id: UUID = Field(description="The organisation.")
    webhook_id: UUID = Field(description="The webhook.")


class DeliveryAttempt(BaseModel):
    """One POST of a delivery."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, description="1 for the first try.")
    at: AwareDatetime = Field(description="When it was made.")
    status_code: int | None = Field(description="The endpoint's answer; null: no answer.")
    error: str | None = Field(description="What went wrong; null on success.")
    duration_ms: float = Field(description="How long it took.")


class Delivery(Reply):
    """One event on its way to one webhook, with every attempt."""

    id: UUID = Field(description="The delivery.")
    webhook_id: UUID = Field(description="The webhook.")
    event_id: UUID = Field(description="The event (X-Event-Id).")
    event_type: str = Field(description="Its type.")
    status: DeliveryStatus = Field(description="pending, succeeded or failed.")
    replay_of: UUID | None = Field(default=None, description="The delivery this one replays.")
    created_at: AwareDatetime = Field(description="When it was queued.")
    next_attempt_at: AwareDatetime | None = Field(description="When it is tried next, if pending.")
    finished_at: AwareDatetime | None = Field(description="When it succeeded or failed.")
    attempts: list[DeliveryAttempt] = Field(description="Every POST, oldest first.")


class DeliveryPage(Reply):
    """A webhook's deliveries, newest first."""

    deliveries: list[Delivery] = Field(description="This page.")
    total: int = Field(description="How many match.")
    page: int = Field(description="This page (from 1).")
    per_page: int = Field(description="Page size.")


class ListDeliveries(Command):
    """The delivery log of one webhook."""

    subject: ClassVar[str] = "qry.partners.deliveries"
    reply_model: ClassVar[type[Reply]] = DeliveryPage

    caller: Caller = Field(description="The organisation admin.")
    organisation_id: UUID = Field(description="The organisation.")
    webhook_id: UUID = Field(description="The webhook.")
    status: DeliveryStatus | None = Field(default=None, description="Only these, when given.")
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=50, ge=1, le=200)


class ReplayDelivery(Command):
    """Deliver an event to the webhook once more, as a new delivery behind the queued ones."""

    subject: ClassVar[str] = "cmd.partners.replay-delivery"
    reply_model: ClassVar[type[Reply]] = Delivery

    caller: Caller = Field(description="The organisation admin.")
    organisation_id: UUID = Field(description="The organisation.")
    webhook_id: UUID = Field(description="The webhook.")
    delivery_id: UUID = Field(description="The delivery to replay.")


WEBHOOK_NOT_FOUND = ProblemType("urn:problem:partners:webhook-not-found", "No such webhook", 404)
DELIVERY_NOT_FOUND = ProblemType("urn:problem:partners:delivery-not-found", "No such delivery", 404)
UNSAFE_DESTINATION = ProblemType(
    "urn:problem:partners:unsafe-destination", "This webhook URL is not allowed", 422
)
SECRET_UNREADABLE = ProblemType(
    "urn:problem:partners:secret-unreadable", "The webhook secret could not be read", 400
)

__all__ = [
    "DELIVERY_NOT_FOUND",
    "PARTNER_EVENT_TYPES",
    "SECRET_UNREADABLE",
    "UNSAFE_DESTINATION",
    "WEBHOOK_NOT_FOUND",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryPage",
    "DeliveryStatus",
    "ListDeliveries",
    "ListWebhooks",
    "PartnerEventType",
    "RegisterWebhook",
    "ReplayDelivery",
    "RotateWebhookSecret",
    "Webhook",
    "WebhookList",
]

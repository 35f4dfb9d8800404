"""Webhooks for partner systems (API.md, Partners): register, list, rotate the secret, read the
delivery log, replay a delivery, remove one. Organisation admins only; another environment's
organisation is 404, as everywhere.

The gateway makes each secret, answers it once, and sends it to the partners service sealed to
that service's key, so no secret crosses the bus in the clear.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from uuid import UUID

from contracts.commands.caller import Caller
from contracts.commands.invitations import OrganisationAccess
from contracts.commands.partners import (
    Delivery,
    DeliveryPage,
    DeliveryStatus,
    ListDeliveries,
    ListWebhooks,
    PartnerEventType,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
    Webhook,
    WebhookList,
)
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints, field_validator
from servicekit.sealing import seal

from gateway.auth import BEARER_SECURITY, authenticated_caller
from gateway.bus import Bus
from gateway.content import JSON_BODY_LIMIT, require_json
from gateway.organisation_access import organisation_administration
from gateway.problems import Problem
from gateway.settings import GatewaySettings

DEFAULT_GRACE_SECONDS = 24 * 3600


MAX_URL_LENGTH = 2000  # as the partners service keeps it (RegisterWebhook.url)


class NewWebhook(BaseModel):
    """Where to POST, and which of the organisation's events."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=MAX_URL_LENGTH)] = Field(
        description="An https URL on the public internet."
    )
    events: list[PartnerEventType] = Field(
        min_length=1,
        max_length=20,
        description="The event types to receive, each once.",
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("events")
    @classmethod
    def _each_once(cls, events: list[PartnerEventType]) -> list[PartnerEventType]:
        twice = sorted({e for e in events if events.count(e) > 1})
        if twice:
            raise ValueError(f"names {', '.join(twice)} more than once; list each event once")
        return events


class SecretRotation(BaseModel):
    """How long the old secret keeps signing beside the new one."""

    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(
        default=DEFAULT_GRACE_SECONDS, ge=0, le=7 * 24 * 3600, description="0: at once."
    )


class WebhookWithSecret(Webhook):
    """A webhook and its signing secret: shown this once, keep it safe."""

    secret: str = Field(description="Signs each delivery (X-Signature); shown only now.")


class PartnerController(Controller):
    """/api/v1/organisations/{organisation_id}/webhooks."""

    path = "/api/v1/organisations/{organisation_id:uuid}/webhooks"
    tags = ["partners"]
    dependencies = {
        "caller": Provide(authenticated_caller),
        "admin": Provide(organisation_administration),
    }
    security = BEARER_SECURITY
    request_max_body_size = JSON_BODY_LIMIT

    @post(
        "/",
        operation_id="registerWebhook",
        status_code=HTTP_201_CREATED,
        before_request=require_json,
        summary="Register a webhook",
        description="Deliveries are POSTs of the event's CloudEvents JSON with `X-Event-Id`, "
        '`X-Timestamp` and `X-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` '
        "keyed with the `secret` in this answer (shown only now). A non-2xx answer or a "
        "timeout is retried with exponential backoff and jitter for 24 hours. URLs on private, "
        "loopback or link-local addresses are refused (422).",
    )
    async def register(
        self,
        organisation_id: UUID,
        data: JSONBody[NewWebhook],
        caller: NamedDependency[Caller],
        admin: NamedDependency[OrganisationAccess],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
    ) -> WebhookWithSecret:
        """Make the secret, send it sealed, answer it once."""
        secret, sealed = _new_sealed_secret(settings)
        webhook = await bus.call(
            RegisterWebhook(
                caller=caller,
                organisation_id=organisation_id,
                url=str(data.url),
                events=data.events,
                sealed_secret=sealed,
            ),
            Webhook,
        )
        return WebhookWithSecret(**webhook.model_dump(), secret=secret)

    @get("/", operation_id="listWebhooks", summary="The organisation's webhooks")
    async def webhooks(
        self,
        organisation_id: UUID,
        caller: NamedDependency[Caller],
        admin: NamedDependency[OrganisationAccess],
        bus: NamedDependency[Bus],
    ) -> WebhookList:
        """Oldest first; never their secrets."""
        return await bus.call(
            ListWebhooks(caller=caller, organisation_id=organisation_id), WebhookList
        )

    @post(
        "/{webhook_id:uuid}/secret-rotation",
        operation_id="rotateWebhookSecret",
        status_code=HTTP_200_OK,
        summary="Give a webhook a new secret",
        description="The answer holds the new secret (shown only now). For `grace_seconds` "
        "(default a day) deliveries carry two signatures, the new secret's first, so the "
        "receiver can switch without losing one.",
    )
    async def rotate(
        self,
        organisation_id: UUID,
        webhook_id: UUID,
        caller: NamedDependency[Caller],
        admin: NamedDependency[OrganisationAccess],
        bus: NamedDependency[Bus],
        settings: NamedDependency[GatewaySettings],
        data: JSONBody[SecretRotation | None] = None,
    ) -> WebhookWithSecret:
        """Make a new secret, send it sealed, answer it once."""
        secret, sealed = _new_sealed_secret(settings)
        webhook = await bus.call(
            RotateWebhookSecret(
                caller=caller,
                organisation_id=organisation_id,
                webhook_id=webhook_id,
                sealed_secret=sealed,
                grace_seconds=(data or SecretRotation()).grace_seconds,
            ),
            Webhook,
        )
        return WebhookWithSecret(**webhook.model_dump(), secret=secret)

    @delete(
        "/{webhook_id:uuid}",
        operation_id="removeWebhook",
        summary="Remove a webhook",
        description="It gets no more deliveries (a POST already on its way still arrives); "
        "those still queued for it are not sent, and its delivery log goes with it. 204; an "
        "unknown webhook is 404. Partner systems see WebhookRemoved, with how many were unsent.",
    )
    async def remove(
        self,
        organisation_id: UUID,
        webhook_id: UUID,
        caller: NamedDependency[Caller],
        admin: NamedDependency[OrganisationAccess],
        bus: NamedDependency[Bus],
    ) -> None:
        """Ask the partners service to remove it."""
        await bus.call(
            RemoveWebhook(caller=caller, organisation_id=organisation_id, webhook_id=webhook_id),
            Webhook,
        )

    @get(
        "/{webhook_id:uuid}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="The webhook's delivery log",
        description="Newest first, each with every attempt (when, the answer's status or the "
        "error, how long it took). `status`: pending, succeeded or failed.",
    )
    async def deliveries(
        self,
        organisation_id: UUID,
        webhook_id: UUID,
        caller: NamedDependency[Caller],
        admin: NamedDependency[OrganisationAccess],
        bus: NamedDependency[Bus],
        status: DeliveryStatus | None = None,
        page: Annotated[int, Parameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> DeliveryPage:
        """Ask the partners service."""
        return await bus.call(
            ListDeliveries(
                caller=caller,
                organisation_id=organisation_id,
                webhook_id=webhook_id,
                status=status,
                page=page,
                per_page=per_page,
            ),
            DeliveryPage,
        )

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/replay",
        operation_id="replayWebhookDelivery",
        status_code=HTTP_202_ACCEPTED,
        summary="Deliver an event again",
        description="Queues a new delivery of the same event (same X-Event-Id, a new signature "
        "and timestamp) behind whatever the webhook has queued; the answer is that delivery.",
    )
    async def replay(
        self,
        organisation_id: UUID,
        webhook_id: UUID,
        delivery_id: UUID,
        caller: NamedDependency[Caller],
        admin: NamedDependency[OrganisationAccess],
        bus: NamedDependency[Bus],
    ) -> Delivery:
        """Ask the partners service."""
        return await bus.call(
            ReplayDelivery(
                caller=caller,
                organisation_id=organisation_id,
                webhook_id=webhook_id,
                delivery_id=delivery_id,
            ),
            Delivery,
        )


def _new_sealed_secret(settings: GatewaySettings) -> tuple[str, str]:
    if not settings.partners_public_key:
        raise Problem(
            503,
            "urn:problem:service-unavailable",
            "Webhooks are not configured",
            "PARTNERS_PUBLIC_KEY is not set on the gateway.",
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    return secret, seal(settings.partners_public_key, secret)

"""Answers to the gateway's webhook commands (request/reply on core NATS)."""

from __future__ import annotations

from collections.abc import Callable

from contracts.commands.partners import (
    SECRET_UNREADABLE,
    UNSAFE_DESTINATION,
    Delivery,
    DeliveryPage,
    ListDeliveries,
    ListWebhooks,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
    Webhook,
    WebhookList,
)
from servicekit.rpc import Refused
from servicekit.sealing import SealedSecretError

from partners.bootstrap import Partners
from partners.destinations import UnsafeDestination, check_destination


class WebhookHandlers:
    """One method per command; the gateway has checked the caller administers the organisation."""

    def __init__(self, partners: Partners, saved: Callable[[], None]) -> None:
        self._p = partners
        self._saved = saved

    async def register(self, command: RegisterWebhook) -> Webhook:
        """Check the URL and the sealed secret, then record the webhook."""
        try:
            await check_destination(
                command.url, self._p.settings.webhook_allow_private_destinations
            )
        except UnsafeDestination as error:
            raise Refused(UNSAFE_DESTINATION.reply(str(error))) from error
        try:
            webhook = await self._p.executor.run(self._p.webhooks.register, command)
        except SealedSecretError as error:
            raise Refused(SECRET_UNREADABLE.reply(str(error))) from error
        self._saved()
        return webhook

    async def rotate(self, command: RotateWebhookSecret) -> Webhook:
        """A new secret, the old one signing through the grace period."""
        try:
            webhook = await self._p.executor.run(self._p.webhooks.rotate, command)
        except SealedSecretError as error:
            raise Refused(SECRET_UNREADABLE.reply(str(error))) from error
        self._saved()
        return webhook

    async def remove(self, command: RemoveWebhook) -> Webhook:
        """Remove a webhook and what is still queued for it."""
        webhook = await self._p.executor.run(self._p.webhooks.remove, command)
        self._saved()
        return webhook

    async def list(self, query: ListWebhooks) -> WebhookList:
        """The organisation's webhooks."""
        return await self._p.executor.run(self._p.webhooks.list, query.organisation_id)

    async def deliveries(self, query: ListDeliveries) -> DeliveryPage:
        """A webhook's delivery log."""
        return await self._p.executor.run(self._p.deliveries.page, query)

    async def replay(self, command: ReplayDelivery) -> Delivery:
        """Queue a delivery again."""
        delivery = await self._p.executor.run(self._p.deliveries.replay, command)
        self._p.dispatcher.wake()
        return delivery

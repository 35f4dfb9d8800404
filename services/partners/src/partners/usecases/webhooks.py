"""Registering webhooks, rotating their secrets, listing and removing them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from contracts.commands.partners import (
    WEBHOOK_NOT_FOUND,
    RegisterWebhook,
    RemoveWebhook,
    RotateWebhookSecret,
    Webhook,
    WebhookList,
)
from servicekit.domain import caused_by
from servicekit.eventstore import SharedDatabase
from servicekit.logs import current_correlation_id
from servicekit.rpc import Refused
from sqlalchemy import delete, select, update

from partners.application import PartnersApplication
from partners.delivery.log import fail_unsent
from partners.delivery.targets import bump_webhook_version
from partners.domain.signing import fingerprint
from partners.domain.webhook import Webhook as WebhookAggregate
from partners.secrets_book import SecretBook
from partners.tables import webhooks


class Webhooks:
    """The webhook use cases; each runs on the store thread, in one transaction."""

    def __init__(
        self,
        app: PartnersApplication,
        database: SharedDatabase,
        secrets: SecretBook,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._db = database
        self._secrets = secrets
        self._clock = clock

    def register(self, command: RegisterWebhook) -> Webhook:
        """Record the webhook; its secret stays sealed (the caller proved it opens)."""
        secret = self._secrets.open(command.sealed_secret)
        now = self._clock()
        with self._db.transaction() as session, caused_by(current_correlation_id()):
            webhook = WebhookAggregate(
                organisation_id=command.organisation_id,
                environment_id=command.caller.environment_id,
                url=command.url,
                events=list(command.events),
                secret_fingerprint=fingerprint(secret),
                registered_by=command.caller.user_id,
                registered_at=now,
            )
            session.execute(
                webhooks.insert().values(
                    id=str(webhook.id),
                    organisation_id=str(command.organisation_id),
                    environment_id=str(command.caller.environment_id),
                    url=command.url,
                    events=list(command.events),
                    sealed_secret=command.sealed_secret,
                    secret_fingerprint=fingerprint(secret),
                    created_at=now,
                )
            )
            bump_webhook_version(session)  # every replica's consumer reloads its targets
            self._app.save(webhook)
            return _answer(session.execute(_one(command.organisation_id, webhook.id)).one())

    def rotate(self, command: RotateWebhookSecret) -> Webhook:
        """A new secret; the old one keeps signing for the grace period."""
        secret = self._secrets.open(command.sealed_secret)
        now = self._clock()
        grace_until = now + timedelta(seconds=command.grace_seconds)
        with self._db.transaction() as session, caused_by(current_correlation_id()):
            row = session.execute(_one(command.organisation_id, command.webhook_id)).first()
            if row is None:
                raise Refused(WEBHOOK_NOT_FOUND.reply(f"webhook {command.webhook_id} is not known"))
            aggregate: WebhookAggregate = self._app.repository.get(command.webhook_id)
            aggregate.rotate_secret(
                organisation_id=command.organisation_id,
                environment_id=uuid.UUID(row.environment_id),
                secret_fingerprint=fingerprint(secret),
                previous_fingerprint=row.secret_fingerprint,
                grace_until=grace_until,
                rotated_by=command.caller.user_id,
                rotated_at=now,
            )
            session.execute(
                update(webhooks)
                .where(webhooks.c.id == str(command.webhook_id))
                .values(
                    sealed_secret=command.sealed_secret,
                    secret_fingerprint=fingerprint(secret),
                    previous_sealed_secret=row.sealed_secret,
                    previous_valid_until=grace_until,
                )
            )
            self._app.save(aggregate)
            return _answer(session.execute(_one(command.organisation_id, aggregate.id)).one())

    def remove(self, command: RemoveWebhook) -> Webhook:
        """Remove the webhook: it gets no more deliveries, and what is still queued for it is
        not sent. The answer is the webhook as it was."""
        now = self._clock()
        with self._db.transaction() as session, caused_by(current_correlation_id()):
            row = session.execute(_one(command.organisation_id, command.webhook_id)).first()
            if row is None:
                raise Refused(WEBHOOK_NOT_FOUND.reply(f"webhook {command.webhook_id} is not known"))
            unsent = fail_unsent(session, str(command.webhook_id), now)
            session.execute(delete(webhooks).where(webhooks.c.id == str(command.webhook_id)))
            bump_webhook_version(session)  # every replica's consumer stops queuing for it
            aggregate: WebhookAggregate = self._app.repository.get(command.webhook_id)
            aggregate.remove(
                organisation_id=command.organisation_id,
                environment_id=uuid.UUID(row.environment_id),
                url=row.url,
                unsent=unsent,
                removed_by=command.caller.user_id,
                removed_at=now,
            )
            self._app.save(aggregate)
            return _answer(row)

    def list(self, organisation_id: uuid.UUID) -> WebhookList:
        """The organisation's webhooks, oldest first."""
        with self._db.transaction(commit=False) as session:
            rows = session.execute(
                select(webhooks)
                .where(webhooks.c.organisation_id == str(organisation_id))
                .order_by(webhooks.c.created_at)
            ).all()
        return WebhookList(webhooks=[_answer(row) for row in rows])

    def exists(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> bool:
        """Whether the organisation has this webhook."""
        with self._db.transaction(commit=False) as session:
            return session.execute(_one(organisation_id, webhook_id)).first() is not None


def _one(organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> Any:
    return select(webhooks).where(
        webhooks.c.id == str(webhook_id), webhooks.c.organisation_id == str(organisation_id)
    )


def _answer(row: Any) -> Webhook:
    return Webhook(
        id=row.id,
        organisation_id=row.organisation_id,
        url=row.url,
        events=row.events,
        secret_fingerprint=row.secret_fingerprint,
        previous_secret_valid_until=row.previous_valid_until,
        created_at=row.created_at,
    )

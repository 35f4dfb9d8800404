"""Other contexts' events that concern partners: queued as webhook deliveries.

One durable consumer on the EVENTS stream, filtered to the event types partners can follow, in
stream order. Each fetched batch is applied in one store call: one look for the events already
processed, the deliveries of all of them in one insert, their tracking records in another, all
in one transaction (so still once per event). Should that fail, the batch falls back to
servicekit's one-event-at-a-time handling, which retries or dead-letters each on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from contracts.commands.partners import PARTNER_EVENT_TYPES
from contracts.envelope import Envelope, parse_event
from contracts.events.base import IntegrationEvent
from nats.aio.msg import Msg
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from servicekit import faults, metrics, tracing
from servicekit.consumer import EventConsumer
from servicekit.tables import processed_events
from sqlalchemy import select
from sqlalchemy.orm import Session

from partners.delivery.log import queue_deliveries
from partners.delivery.targets import WebhookTargets

log = structlog.get_logger(__name__)

WEBHOOK_CONSUMER = "partners-webhooks"

BatchEffect = Callable[[Session, Sequence[Envelope]], None]


def partner_event_subjects() -> list[str]:
    """The EVENTS subjects of every event type partners can follow."""
    from contracts.catalogue import all_events

    return sorted({e.nats_subject() for e in all_events() if e.event_type in PARTNER_EVENT_TYPES})


class DeliveriesFromEvents:
    """The consumer's effect: queue the events for the webhooks that asked for them."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._targets = WebhookTargets()
        self.queued = False

    def apply(self, session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
        """Queue one event's deliveries (in the consumer's transaction)."""
        self.apply_batch(session, [envelope])

    def apply_batch(self, session: Session, envelopes: Sequence[Envelope]) -> None:
        """Queue the deliveries of several events, in their order (in the consumer's
        transaction)."""
        if queue_deliveries(session, envelopes, self._clock(), self._targets):
            self.queued = True


class FilteredConsumer(EventConsumer):
    """servicekit's idempotent consumer on several subjects of the EVENTS stream at once; with a
    `batch_effect`, each fetched batch is applied in one call (see the module's docstring)."""

    def __init__(
        self, *, subjects: list[str], batch_effect: BatchEffect | None = None, **kwargs: Any
    ) -> None:
        super().__init__(subject=subjects, **kwargs)
        self._batch_effect = batch_effect

    async def handle_batch(self, messages: Sequence[Msg]) -> None:
        """Apply the batch in one store call; any message it cannot take, or a failure of the
        whole, goes through the one-at-a-time path (retries, dead letters)."""
        if self._batch_effect is None or len(messages) < 2:
            await super().handle_batch(messages)
            return
        readable: list[tuple[Msg, Envelope]] = []
        unreadable: list[Msg] = []
        for msg in messages:
            try:
                envelope = Envelope.from_json(msg.data)
                parse_event(envelope)  # the contract check the one-at-a-time path makes
            except (ValidationError, ValueError):
                unreadable.append(msg)  # handled alone: dead-lettered with its reason
                continue
            readable.append((msg, envelope))
        if unreadable:
            await super().handle_batch(unreadable)
        if not readable:
            return
        try:
            applied = await self._executor.run(self._apply_batch, [e for _, e in readable])
        except Exception as error:
            log.info(
                "batch not applied at once; one event at a time",
                consumer=self.durable,
                size=len(readable),
                error=repr(error),
            )
            await super().handle_batch([msg for msg, _ in readable])
            return
        faults.hit(faults.CONSUMER_AFTER_EFFECT)
        for (msg, envelope), fresh in zip(readable, applied, strict=True):
            await msg.ack()
            metadata = msg.metadata  # parsed from the reply subject on every access
            if metadata and metadata.num_delivered > 1:
                metrics.CONSUMER_REDELIVERIES.labels(self.durable).inc()
            outcome = "applied" if fresh else "duplicate"
            metrics.EVENTS_CONSUMED.labels(self.durable, envelope.type, outcome).inc()
            if msg.headers and "traceparent" in msg.headers:
                # The event's trace shows it was consumed (with the batch it went in).
                with tracing.span(
                    f"consume {self.durable}",
                    kind=SpanKind.CONSUMER,
                    parent=tracing.extract(msg.headers),
                    attributes={
                        "messaging.destination.name": msg.subject,
                        "messaging.batch.message_count": len(readable),
                    },
                ):
                    pass
        if any(applied) and self._on_applied is not None:
            self._on_applied()

    def _apply_batch(self, envelopes: list[Envelope]) -> list[bool]:
        """Which of the events were new; their effect and tracking records, in one transaction."""
        assert self._batch_effect is not None
        with self._db.transaction(commit=True) as session:
            seen = set(
                session.execute(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == self.durable,
                        processed_events.c.event_id.in_(sorted({e.id for e in envelopes})),
                    )
                ).scalars()
            )
            fresh: list[Envelope] = []
            flags: list[bool] = []
            for envelope in envelopes:
                new = envelope.id not in seen  # the same event twice in a batch: once
                flags.append(new)
                if new:
                    seen.add(envelope.id)
                    fresh.append(envelope)
            if fresh:
                self._batch_effect(session, fresh)
                now = datetime.now(UTC)
                session.execute(
                    processed_events.insert(),
                    [
                        {
                            "consumer": self.durable,
                            "event_id": e.id,
                            "event_type": e.type,
                            "processed_at": now,
                        }
                        for e in fresh
                    ],
                )
        return flags

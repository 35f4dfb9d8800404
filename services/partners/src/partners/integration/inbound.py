"""Other contexts' events that concern partners: queued as webhook deliveries.

One durable consumer on the EVENTS stream, filtered to the event types partners can follow, in
stream order; servicekit's consumer commits each event's deliveries with its tracking record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.commands.partners import PARTNER_EVENT_TYPES
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from servicekit.consumer import EventConsumer
from servicekit.streams import EVENTS_STREAM
from sqlalchemy.orm import Session

from partners.delivery.log import queue_deliveries

WEBHOOK_CONSUMER = "partners-webhooks"


def partner_event_subjects() -> list[str]:
    """The EVENTS subjects of every event type partners can follow."""
    from contracts.catalogue import all_events

    return sorted({e.nats_subject() for e in all_events() if e.event_type in PARTNER_EVENT_TYPES})


class DeliveriesFromEvents:
    """The consumer's effect: queue the event for the webhooks that asked for it."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.queued = False

    def apply(self, session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
        """Queue deliveries (in the consumer's transaction)."""
        if queue_deliveries(session, envelope, self._clock()):
            self.queued = True


class FilteredConsumer(EventConsumer):
    """servicekit's idempotent consumer on several subjects of the EVENTS stream at once."""

    def __init__(self, *, subjects: list[str], **kwargs: Any) -> None:
        super().__init__(subject=subjects[0], **kwargs)
        self.subjects = list(subjects)

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        js = self._jetstream()
        return await js.pull_subscribe(
            self.subjects[0],
            durable=self.durable,
            stream=EVENTS_STREAM,
            config=ConsumerConfig(
                durable_name=self.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=self.max_deliver,
                ack_wait=self._ack_wait,
                max_ack_pending=1000,
                filter_subjects=self.subjects,
            ),
        )

"""One durable consumer for every event notifications acts on, in stream order.

One consumer rather than one per context, so events from different contexts are applied in the
order the stream holds them: a preference changed before an invoice arrived applies to that
invoice's mail. Our own events are left out (filter subjects), except product news, which is
decided per user like any other event.
"""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from servicekit.consumer import EventConsumer
from servicekit.streams import EVENTS_STREAM

CONSUMER = "notifications"
SUBJECTS = [
    "events.identity.>",
    "events.organisation.>",
    "events.invoicing.>",
    "events.notifications.ProductNewsAnnounced",
]


class MultiSubjectConsumer(EventConsumer):
    """servicekit's idempotent consumer, on several subjects of the EVENTS stream at once."""

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

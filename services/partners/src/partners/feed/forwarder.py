"""Copies partner-visible events from EVENTS to the PARTNER stream, per organisation.

A durable consumer of its own reads them in stream order; a batch is published back to back with
`Nats-Msg-Id` = the event id (so a redelivered event is dropped by the server as a duplicate),
and acknowledged only once every PubAck is in. Subjects carry the organisation, so nats-server's
permissions decide who sees what: partner.<organisation_id>.<EventType>.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from contracts.envelope import Envelope
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from servicekit.logs import CORRELATION_HEADER
from servicekit.pulling import Puller
from servicekit.streams import (
    EVENTS_STREAM,
    PARTNER_STREAM,
    declare_stream_config,
    partner_stream_config,
)

log = structlog.get_logger(__name__)

FEED_CONSUMER = "partners-feed"


def feed_subject(organisation_id: str, event_type: str) -> str:
    """Where an organisation's event goes on the partner feed."""
    return f"partner.{organisation_id}.{event_type}"


class FeedForwarder:
    """EVENTS → PARTNER, in order, each event once."""

    def __init__(self, subjects: list[str], replicas: int, max_age_seconds: float) -> None:
        self._subjects = subjects
        self._replicas = replicas
        self._max_age = max_age_seconds
        self._js: JetStreamContext | None = None
        self._stopping = False
        self._interrupted = asyncio.Event()

    async def bind_jetstream(self, js: JetStreamContext) -> None:
        """Declare the PARTNER stream; called once connected."""
        self._js = js
        await declare_stream_config(js, partner_stream_config(self._replicas, self._max_age))

    def stop(self) -> None:
        """Finish the batch in hand, then return from `run`."""
        self._stopping = True
        self._interrupted.set()

    async def run(self) -> None:
        """Forward until stopped; ride out NATS outages by retrying."""
        delay = 0.5
        while not self._stopping:
            try:
                subscription = await self._subscribe()
                delay = 0.5
                puller = Puller(subscription, batch=256, interrupted=self._interrupted)
                try:
                    while not self._stopping:
                        batch = await puller.fetch()
                        if batch:
                            await self.forward(batch)
                finally:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
            except Exception as error:
                log.warning("partner feed interrupted; will retry", error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        assert self._js is not None
        return await self._js.pull_subscribe(
            self._subjects[0],
            durable=FEED_CONSUMER,
            stream=EVENTS_STREAM,
            config=ConsumerConfig(
                durable_name=FEED_CONSUMER,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=30,
                max_ack_pending=2000,
                filter_subjects=self._subjects,
            ),
        )

    async def forward(self, batch: list[Msg]) -> None:
        """Publish the batch to PARTNER in order, then acknowledge it."""
        assert self._js is not None
        publishes = []
        for msg in batch:
            try:
                envelope = Envelope.from_json(msg.data)
            except ValidationError:
                continue  # the webhook consumer dead-letters it; the feed has nothing to say
            if envelope.organisationid is None:
                continue
            headers = {"Nats-Msg-Id": envelope.id}
            if envelope.correlationid:
                headers[CORRELATION_HEADER] = envelope.correlationid
            publishes.append(
                asyncio.ensure_future(
                    self._js.publish(
                        feed_subject(envelope.organisationid, envelope.type),
                        msg.data,
                        stream=PARTNER_STREAM,
                        headers=headers,
                    )
                )
            )
        await asyncio.gather(*publishes)
        for msg in batch:
            await msg.ack()

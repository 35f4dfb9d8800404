"""Idempotent consumers: each event's effect happens once, however often it is delivered.

The effect and the tracking record (consumer, event id) commit in one database transaction, so
a redelivered or replayed event finds its record and changes nothing. Acknowledgement is
explicit: a failing effect is nacked with a growing delay and retried; after `max_deliver`
attempts, or at once for a message that can never succeed (not an envelope, unknown type,
invalid data, a `PermanentFailure`), the message goes to the dead-letter stream with the
reason in its headers and is terminated, so the messages behind it keep flowing. An effect that
needs another system first (a call over the network) comes as a `prepare` step: it runs before
the transaction, outside it, and returns the effect to commit.

The fetch loop uses nats-py's pull subscription directly rather than a faststream subscriber:
batches form under load (and share a commit) with a short fetch wait, so a quiet moment holds
an event back for at most 50 ms, and an idle consumer waits for its next event with one long
request instead of polling (`servicekit.pulling`); faststream's batch mode gave no such control.

Replicas of a service share its durable consumers, but only the holder of the consumer's lease
(REPLICA_LEASE_SECONDS) fetches: two replicas pulling batches side by side would apply one
organisation's events in two processes at once, out of order. The others stand by and take over
within a lease when the holder dies; a new holder first waits out the acknowledgement time of
what the old one left unacknowledged, so the server redelivers that before anything newer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from contracts.envelope import Envelope, parse_event
from contracts.events.base import IntegrationEvent
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit import faults, metrics, tracing
from servicekit.domain import caused_by
from servicekit.executor import StoreExecutor
from servicekit.lease import Lease
from servicekit.logs import CORRELATION_HEADER, correlation_scope
from servicekit.pulling import Puller
from servicekit.streams import DEAD_LETTER_STREAM, EVENTS_STREAM, dead_letter_subject
from servicekit.tables import processed_events

log = structlog.get_logger(__name__)

Effect = Callable[[Session, Envelope, IntegrationEvent], None]

Prepare = Callable[[Envelope, IntegrationEvent, int], Awaitable[Effect]]
"""Work before the transaction (a call to another system), given the event and how often it
was delivered: it returns the effect to commit with the event's tracking record. It runs again
for a redelivered event, even one applied before, so it checks for itself what is left to do."""

DEFAULT_BACKOFF: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class PermanentFailure(Exception):
    """An effect that will never succeed for this event: dead-letter it now, with this reason."""


class Transactional(Protocol):
    """A database that can open a transaction (SharedDatabase, Database)."""

    def transaction(self, commit: bool = True) -> Any: ...


class EventConsumer:
    """A durable JetStream consumer that applies each integration event exactly once."""

    def __init__(
        self,
        *,
        durable: str,
        subject: str | Sequence[str],
        database: Transactional,
        executor: StoreExecutor,
        effect: Effect | None = None,
        prepare: Prepare | None = None,
        max_deliver: int = 8,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        ack_wait_seconds: float = 30.0,
        on_applied: Callable[[], None] | None = None,
        batch: int = 128,
    ) -> None:
        self.durable = durable
        self.subjects = [subject] if isinstance(subject, str) else list(subject)
        if not self.subjects:
            raise ValueError("a consumer needs at least one subject")
        if (effect is None) == (prepare is None):
            raise ValueError("a consumer needs either an effect or a prepare step")
        self._db = database
        self._executor = executor
        self._effect = effect
        self._prepare = prepare
        self.max_deliver = max_deliver
        self._backoff = tuple(backoff)
        self._ack_wait = ack_wait_seconds
        self._on_applied = on_applied
        self._batch = batch
        self._js: JetStreamContext | None = None
        self._stopping = False
        # Set when stopping or when the lease is lost: ends an idle consumer's long wait.
        self._interrupted = asyncio.Event()
        self._lease_seconds = 0.0
        self._lease_replicas = 1
        self._lease: Lease | None = None
        self._lease_lost = False

    def use_lease(self, seconds: float, replicas: int = 1) -> None:
        """With replicas: fetch only while holding this consumer's lease (0: always fetch)."""
        self._lease_seconds = seconds
        self._lease_replicas = replicas

    async def run(self) -> None:
        """Fetch and handle batches until stopped; ride out NATS outages by retrying."""
        try:
            await self._run()
        finally:
            if self._lease is not None:
                await self._lease.release()

    async def _run(self) -> None:
        delay = 0.5
        while not self._stopping:
            try:
                if not await self._await_lease():
                    continue
                subscription = await self._subscribe()
                delay = 0.5
                try:
                    await self._consume(subscription)
                finally:
                    # A pull subscription left open makes the connection's drain wait it out.
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
            except Exception as error:
                log.warning(
                    "consumer interrupted; will retry", consumer=self.durable, error=repr(error)
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _await_lease(self) -> bool:
        """Wait until this replica holds the lease (or none is used); False when stopping."""
        if self._lease is None:
            return True
        while not self._stopping:
            if await self._lease.held() and await self._after_takeover():
                return True
            await asyncio.sleep(min(1.0, self._lease_seconds / 3))
        return False

    async def _after_takeover(self) -> bool:
        """Wait out what a previous holder left unacknowledged; False if the lease was lost."""
        assert self._lease is not None
        # The server redelivers that after the ack wait, before anything newer.
        try:
            info = await self._jetstream().consumer_info(EVENTS_STREAM, self.durable)
        except NotFoundError:
            return True
        if not info.num_ack_pending:
            return True
        log.info(
            "consumer taken over; waiting for unacknowledged messages",
            consumer=self.durable,
            unacknowledged=info.num_ack_pending,
            seconds=self._ack_wait,
        )
        deadline = time.monotonic() + self._ack_wait
        while (left := deadline - time.monotonic()) > 0:
            # Keep renewing meanwhile: the wait may be longer than the lease.
            if self._stopping or not await self._lease.held():
                return False
            await asyncio.sleep(min(left, self._lease_seconds / 4))
        return True

    async def _keep_lease(self) -> None:
        """Renew the lease while fetching; a batch may take longer than the lease."""
        assert self._lease is not None
        try:
            while True:
                if not await self._lease.held():
                    return
                await asyncio.sleep(self._lease_seconds / 4)
        finally:
            self._lease_lost = True
            self._interrupted.set()

    async def _consume(self, subscription: JetStreamContext.PullSubscription) -> None:
        self._lease_lost = False
        if not self._stopping:
            self._interrupted.clear()
        keeper = asyncio.create_task(self._keep_lease()) if self._lease is not None else None
        try:
            await self._fetch_and_handle(subscription)
        finally:
            if keeper is not None:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await keeper

    async def _fetch_and_handle(self, subscription: JetStreamContext.PullSubscription) -> None:
        puller = Puller(subscription, batch=self._batch, interrupted=self._interrupted)
        while not self._stopping and not self._lease_lost:
            messages = await puller.fetch()
            if messages:
                await self.handle_batch(messages)

    def stop(self) -> None:
        """Finish the batch in hand, then return from `run`."""
        self._stopping = True
        self._interrupted.set()

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        """The durable pull consumer on this consumer's subjects, explicitly acknowledged:
        created on first use, and brought up to date when an earlier version of the service
        left it with other subjects or limits (the server keeps its position)."""
        js = self._jetstream()
        one = len(self.subjects) == 1
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=self.max_deliver,
            ack_wait=self._ack_wait,
            max_ack_pending=1000,
            filter_subject=self.subjects[0] if one else None,
            filter_subjects=None if one else self.subjects,
        )
        with contextlib.suppress(NotFoundError):
            found = (await js.consumer_info(EVENTS_STREAM, self.durable)).config
            if _differs(found, config):
                await js.add_consumer(EVENTS_STREAM, config)
                log.info("consumer updated", consumer=self.durable, subjects=self.subjects)
        return await js.pull_subscribe(
            self.subjects[0], durable=self.durable, stream=EVENTS_STREAM, config=config
        )

    def _jetstream(self) -> JetStreamContext:
        assert self._js is not None, "bind_jetstream() before run()"
        return self._js

    async def handle_batch(self, messages: Sequence[Msg]) -> None:
        """Handle a batch in delivery order; the effects queue up for one group commit."""
        await asyncio.gather(*(self.handle(msg) for msg in messages))

    async def handle(self, msg: Msg) -> None:
        """Apply one delivered message, then ack, nack with delay, or dead-letter it."""
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        if deliveries > 1:
            metrics.CONSUMER_REDELIVERIES.labels(self.durable).inc()
        headers = msg.headers or {}
        with (
            correlation_scope(headers.get(CORRELATION_HEADER)),
            tracing.span(
                f"consume {self.durable}",
                kind=SpanKind.CONSUMER,
                parent=tracing.extract(headers),
                attributes={"messaging.destination.name": msg.subject},
            ),
        ):
            try:
                envelope = Envelope.from_json(msg.data)
                event = parse_event(envelope)
            except (ValidationError, ValueError) as error:
                await self._dead_letter(msg, f"unreadable event: {error}", deliveries)
                return
            try:
                effect = (
                    await self._prepare(envelope, event, deliveries)
                    if self._prepare is not None
                    else self._effect
                )
                assert effect is not None
                applied = await self._executor.run(self._apply_once, envelope, event, effect)
            except PermanentFailure as error:
                await self._dead_letter(msg, str(error), deliveries)
                return
            except Exception as error:
                await self._retry_or_give_up(msg, envelope, error, deliveries)
                return
            faults.hit(faults.CONSUMER_AFTER_EFFECT)
            await msg.ack()
            outcome = "applied" if applied else "duplicate"
            metrics.EVENTS_CONSUMED.labels(self.durable, envelope.type, outcome).inc()
            if applied and self._on_applied is not None:
                self._on_applied()

    def _apply_once(self, envelope: Envelope, event: IntegrationEvent, effect: Effect) -> bool:
        try:
            with self._db.transaction(commit=True) as session:
                seen = session.execute(
                    _SEEN, {"the_consumer": self.durable, "the_event": envelope.id}
                ).first()
                if seen is not None:
                    return False
                # What the effect records belongs to the request that caused the event: its
                # events carry that correlation id on (to the mails, say), not a new one.
                with caused_by(envelope.correlationid):
                    effect(session, envelope, event)
                session.execute(
                    _TRACK,
                    {
                        "consumer": self.durable,
                        "event_id": envelope.id,
                        "event_type": envelope.type,
                        "processed_at": datetime.now(UTC),
                    },
                )
            return True
        except Exception as error:
            # A replica that applied the same event first wins the primary key.
            if _is_tracking_conflict(error):
                return False
            raise

    async def _retry_or_give_up(
        self, msg: Msg, envelope: Envelope, error: Exception, deliveries: int
    ) -> None:
        if deliveries >= self.max_deliver:
            await self._dead_letter(
                msg, f"gave up after {deliveries} deliveries: {error!r}", deliveries
            )
            return
        delay = self._backoff[min(deliveries - 1, len(self._backoff) - 1)]
        log.warning(
            "effect failed; will retry",
            consumer=self.durable,
            event_type=envelope.type,
            event_id=envelope.id,
            delivery=deliveries,
            retry_in_seconds=delay,
            error=repr(error),
        )
        await msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, reason: str, deliveries: int) -> None:
        js = self._jetstream()
        headers = dict(msg.headers or {})
        headers.pop("Nats-Msg-Id", None)
        headers.update(
            {
                "X-Dead-Letter-Reason": reason[:1000],
                "X-Dead-Letter-Consumer": self.durable,
                "X-Original-Subject": msg.subject,
                "X-Deliveries": str(deliveries),
            }
        )
        await js.publish(
            dead_letter_subject(self.durable, msg.subject),
            msg.data,
            stream=DEAD_LETTER_STREAM,
            headers=headers,
        )
        await msg.term()
        metrics.DEAD_LETTERED.labels(self.durable).inc()
        log.error(
            "message dead-lettered", consumer=self.durable, subject=msg.subject, reason=reason
        )

    def bind_jetstream(self, js: JetStreamContext) -> None:
        """Give the consumer its JetStream context before the first message (used by tests)."""
        self._js = js
        if self._lease_seconds > 0:
            self._lease = Lease(
                js, f"consumer-{self.durable}", self._lease_seconds, self._lease_replicas
            )


# Built once: they run for every event (a statement built per call costs SQLAlchemy a new
# cache key, more than the database's own work for it).
_SEEN = select(processed_events.c.event_id).where(
    processed_events.c.consumer == bindparam("the_consumer"),
    processed_events.c.event_id == bindparam("the_event"),
)
_TRACK = processed_events.insert()


def _differs(found: ConsumerConfig, wanted: ConsumerConfig) -> bool:
    """Whether a durable consumer's subjects or limits are not the ones wanted."""

    def subjects(config: ConsumerConfig) -> set[str]:
        return set(config.filter_subjects or [config.filter_subject or ""])

    return (
        subjects(found) != subjects(wanted)
        or found.max_deliver != wanted.max_deliver
        or found.ack_wait != wanted.ack_wait
    )


def _is_tracking_conflict(error: Exception) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, IntegrityError) and "processed_events" in str(cause):
            return True
        if type(cause).__name__ == "IntegrityError" and "processed_events" in str(cause):
            return True
        cause = cause.__cause__
    return False

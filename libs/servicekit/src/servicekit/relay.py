"""The outbox relay: publishes a service's stored events to JetStream, each exactly once.

It follows the event store's notification log from its own recorded position. For a batch it
publishes every event with `Nats-Msg-Id` = event id and awaits all PubAcks, and only then records
the new position. A crash before the PubAck republishes the event; a crash after it but before
the position is recorded republishes it too, and the server drops the copy inside the stream's
duplicate window (consumers' tracking catches anything older). Nothing is published from the
request path, so a save can never be lost between commit and publish.

Replicas of a service share one event store and one position. With a lease (REPLICA_LEASE_SECONDS)
only its holder publishes; without one, every replica would publish the same batches and the
duplicate window would drop the copies. A holder that stalls past its lease may still publish a
batch the next holder also publishes: that overlap is seconds long, far inside the two-hour
window, so the stream still holds each event once, and in order (each relay publishes in
notification order, so an event is stored by whichever copy arrives first, after its
predecessors).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from contracts.catalogue import model_for
from contracts.envelope import Envelope
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from servicekit import faults, metrics, tracing
from servicekit.eventstore import SharedDatabase
from servicekit.executor import StoreExecutor
from servicekit.lease import Lease
from servicekit.logs import CORRELATION_HEADER
from servicekit.streams import EVENTS_STREAM
from servicekit.tables import create_bookkeeping_tables, relay_positions

log = structlog.get_logger(__name__)

ToEnvelope = Callable[[Any], Envelope | None]


def event_id(originator_id: uuid.UUID, originator_version: int) -> str:
    """A stable id for a stored event: the same on every republish, so deduplication works."""
    return str(uuid.uuid5(originator_id, str(originator_version)))


class OutboxRelay:
    """Publishes one application's notification log to the EVENTS stream."""

    def __init__(
        self,
        *,
        name: str,
        app: Application[Any],
        executor: StoreExecutor,
        js: JetStreamContext,
        to_envelope: ToEnvelope,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        publish_timeout: float = 5.0,
        lease: Lease | None = None,
    ) -> None:
        self.name = name
        self._app = app
        self._db = SharedDatabase(app)
        self._executor = executor
        self._js = js
        self._to_envelope = to_envelope
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        # With replicas, only the holder of the lease publishes; see lease.py and the module
        # docstring for why a brief overlap of two holders is harmless.
        self._lease = lease
        self._wakeup = asyncio.Event()
        self._stopping = False
        # Without a lease this process is the only relay of its store, so the position it
        # recorded last is the position: no need to read it back before every pass. With a
        # lease another replica may have moved it meanwhile; then it is read every time.
        self._position: int | None = None
        create_bookkeeping_tables(self._db.engine)
        # Built once: SQLAlchemy compiled the upsert afresh on every pass when the position
        # was written into the statement itself rather than bound.
        insert = pg_insert if self._db.engine.dialect.name == "postgresql" else sqlite_insert
        upsert = insert(relay_positions)
        self._upsert_position = upsert.on_conflict_do_update(
            index_elements=[relay_positions.c.relay], set_={"position": upsert.excluded.position}
        )

    def wake(self) -> None:
        """Tell the relay new events were saved, so it need not wait for the next poll."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the current batch, then return from `run`."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Publish until stopped; ride out NATS and database outages by retrying."""
        backoff = self._poll_interval
        while not self._stopping:
            try:
                published = await self.publish_pending()
                backoff = self._poll_interval
            except Exception as error:
                log.warning("relay pass failed; will retry", relay=self.name, error=repr(error))
                published = 0
                backoff = min(backoff * 2, 10.0)
            if published:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=backoff)
        if self._lease is not None:
            await self._lease.release()

    async def publish_pending(self) -> int:
        """One pass: publish the next batch after the recorded position; return its size."""
        if self._lease is not None and not await self._lease.held():
            return 0
        position = self._position
        if position is None:
            position = await self._executor.run_alone(self._read_position)
        notifications = await self._executor.run_alone(
            self._app.recorder.select_notifications, position + 1, self._batch_size
        )
        if not notifications:
            metrics.RELAY_LAG.set(0)
            return 0
        faults.hit(faults.RELAY_BEFORE_PUBLISH)
        await self._publish(notifications)
        faults.hit(faults.RELAY_AFTER_PUBLISH)
        last = notifications[-1].id
        # A write like any other, so it shares the commit of whatever else is being written
        # (a commit of its own was a tenth of a busy store thread). Should that group fail,
        # the position stays where it was and the batch is published again: deduplicated.
        await self._executor.run(self._record_position, last)
        self._position = last if self._lease is None else None
        metrics.RELAY_POSITION.set(last)
        if len(notifications) < self._batch_size:
            # Everything there was when the batch was read: no need to ask how far behind.
            metrics.RELAY_LAG.set(0)
        else:
            newest = await self._executor.run_alone(self._app.recorder.max_notification_id)
            metrics.RELAY_LAG.set(max(0, (newest or 0) - last))
        return len(notifications)

    async def _publish(self, notifications: Sequence[Notification]) -> None:
        envelopes: list[tuple[Envelope, Any]] = []
        for notification in notifications:
            domain_event = self._app.mapper.to_domain_event(notification)
            envelope = self._to_envelope(domain_event)
            trace_context = tracing.recall((self._app.name, notification.id))
            if envelope is not None:
                envelopes.append((envelope, trace_context))
        # Published back to back on one connection, so the server stores them in this order;
        # the PubAcks are awaited together, which is what makes the relay fast.
        acks = [asyncio.ensure_future(self._publish_one(*pair)) for pair in envelopes]
        try:
            await asyncio.gather(*acks)
        except BaseException:
            for ack in acks:
                ack.cancel()
            raise
        for envelope, _ in envelopes:
            metrics.count_published(envelope.type)

    async def _publish_one(self, envelope: Envelope, trace_context: Any = None) -> None:
        headers = {"Nats-Msg-Id": envelope.id}
        if envelope.correlationid:
            headers[CORRELATION_HEADER] = envelope.correlationid
        subject = subject_of(envelope)
        if trace_context is None:
            # Nothing to continue (saved before a restart, or tracing is off): no new trace.
            await self._send(subject, envelope, headers)
            return
        with tracing.span(f"publish {subject}", kind=SpanKind.PRODUCER, parent=trace_context):
            await self._send(subject, envelope, tracing.inject(headers))

    async def _send(self, subject: str, envelope: Envelope, headers: dict[str, str]) -> None:
        await self._js.publish(
            subject,
            envelope.to_json(),
            stream=EVENTS_STREAM,
            headers=headers,
            timeout=self._publish_timeout,
        )

    def _read_position(self) -> int:
        with self._db.transaction(commit=False) as session:
            value = session.execute(_POSITION, {"the_relay": self.name}).scalar_one_or_none()
        return int(value or 0)

    def _record_position(self, position: int) -> None:
        with self._db.transaction(commit=True) as session:
            session.execute(self._upsert_position, {"relay": self.name, "position": position})


# Built once, the relay bound: a statement with the name written in is compiled on every pass.
_POSITION = select(relay_positions.c.position).where(
    relay_positions.c.relay == bindparam("the_relay")
)


def subject_of(envelope: Envelope) -> str:
    """The JetStream subject an envelope is published on: events.<context>.<EventType>."""
    return model_for(envelope.type, envelope.dataversion).nats_subject()

"""Replicas of a service: one relay publishes and one consumer fetches at a time, and a dead one
is replaced."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.my_account import ProfileChanged
from devstack.nats import NatsServerProcess
from identity.integration.outbound import to_envelope
from nats.js import JetStreamContext
from servicekit.consumer import EventConsumer
from servicekit.database import Database
from servicekit.executor import StoreExecutor
from servicekit.lease import Lease
from servicekit.relay import OutboxRelay
from servicekit.streams import EVENTS_STREAM, declare_streams
from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

from tests.scenery import identity_on
from tests.scenery import register as register_one


@pytest.fixture
async def js(nats_server: NatsServerProcess) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(nats_server.url)
    context = nc.jetstream()
    await declare_streams(context)
    yield context
    await nc.close()


async def test_only_one_replica_holds_the_lease_and_a_silent_holder_is_replaced(
    js: JetStreamContext,
) -> None:
    first = Lease(js, "relay-identity", seconds=1.5)
    second = Lease(js, "relay-identity", seconds=1.5)
    assert await first.held()
    assert not await second.held(), "the lease is taken"
    assert await first.held(), "its holder keeps it"
    # The first replica dies: it renews no more, and the bucket forgets its key.
    started = time.monotonic()
    while not await second.held():
        assert time.monotonic() - started < 10, "the lease was never handed over"
        await asyncio.sleep(0.1)
    assert time.monotonic() - started >= 1.0, "not before the dead holder's lease ran out"
    await asyncio.sleep(0.6)  # past the first one's renewal point: it must ask the server
    assert not await first.held(), "a holder that came back finds it taken"


async def test_a_released_lease_is_taken_at_once(js: JetStreamContext) -> None:
    first = Lease(js, "relay-organisation", seconds=30)
    second = Lease(js, "relay-organisation", seconds=30)
    assert await first.held()
    assert not await second.held()
    await first.release()
    assert await second.held(), "a clean stop hands the relay over without waiting 30 s"


async def test_two_replicas_relaying_one_store_publish_each_event_once_in_order(
    js: JetStreamContext, database_url: str, keys: dict[str, str]
) -> None:
    identity = identity_on(database_url, keys)
    for i in range(40):
        register_one(identity, f"user{i}@example.nl")
    relays = [
        OutboxRelay(
            name="identity",
            app=identity.app,
            executor=StoreExecutor(f"replica-{n}"),
            js=js,
            to_envelope=to_envelope,
            lease=Lease(js, "relay-identity", seconds=2),
            batch_size=7,
        )
        for n in (1, 2)
    ]
    published = await asyncio.gather(*(r.publish_pending() for r in relays))
    assert sorted(published) == [0, 7], "only the lease holder publishes"
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        deadline = time.monotonic() + 20
        while (await js.stream_info(EVENTS_STREAM)).state.messages < 80:
            assert time.monotonic() < deadline, "the events were not all published"
            await asyncio.sleep(0.1)
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.gather(*tasks)
    subscription = await js.subscribe("events.>", ordered_consumer=True)
    messages = [await subscription.next_msg(timeout=5) for _ in range(80)]
    ids = [m.headers["Nats-Msg-Id"] for m in messages if m.headers]
    assert len(set(ids)) == 80 == (await js.stream_info(EVENTS_STREAM)).state.messages
    emails = [m.data for m in messages if m.subject.endswith("UserRegistered")]
    assert [f"user{i}@example.nl".encode() in e for i, e in enumerate(emails)] == [True] * 40


async def test_replicas_of_a_consumer_apply_events_in_stream_order_and_hand_over_on_stop(
    js: JetStreamContext, tmp_path: Path
) -> None:
    """Two replicas share one durable consumer: one fetches, in order; the other takes over."""
    metadata = MetaData()
    applied = Table(
        "applied",
        metadata,
        Column("position", Integer, primary_key=True, autoincrement=True),
        Column("replica", String(8)),
        Column("subject", String(64)),
        Column("sequence", Integer),
    )
    database = Database(f"sqlite:///{tmp_path / 'replicas.db'}")
    metadata.create_all(database.engine)
    create_bookkeeping_tables(database.engine)

    def replica(name: str) -> EventConsumer:
        def effect(session: Session, envelope: Envelope, _event: IntegrationEvent) -> None:
            session.execute(
                applied.insert().values(
                    replica=name, subject=envelope.subject, sequence=envelope.sequence
                )
            )

        consumer = EventConsumer(
            durable="replicated",
            subject="events.identity.>",
            database=database,
            executor=StoreExecutor(f"replica-{name}", database),
            effect=effect,
            ack_wait_seconds=2,
        )
        consumer.use_lease(1.5)
        consumer.bind_jetstream(js)
        return consumer

    async def publish(subjects: list[uuid.UUID], sequence: int) -> None:
        for subject in subjects:
            envelope = versioned(subject, sequence)
            await js.publish(
                "events.identity.ProfileChanged",
                envelope.to_json(),
                headers={"Nats-Msg-Id": envelope.id},
            )

    def rows() -> list[tuple[str, str, int]]:
        with database.transaction(commit=False) as session:
            found = session.execute(
                select(applied.c.replica, applied.c.subject, applied.c.sequence).order_by(
                    applied.c.position
                )
            ).all()
        return [(r, s, q) for r, s, q in found]

    async def until(count: int) -> list[tuple[str, str, int]]:
        deadline = time.monotonic() + 30
        while len(found := rows()) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} applied"
            await asyncio.sleep(0.05)
        return found

    a, b = replica("a"), replica("b")
    tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
    aggregates = [uuid.uuid4() for _ in range(5)]
    try:
        for version in range(1, 41):
            await publish(aggregates, version)
        first = await until(200)
        assert len({replica for replica, _, _ in first}) == 1, "one replica fetched them all"
        holder = a if first[0][0] == "a" else b
        holder.stop()  # a clean stop releases the lease at once
        await tasks[0 if holder is a else 1]
        for version in range(41, 51):
            await publish(aggregates, version)
        after = (await until(250))[200:]
        assert {replica for replica, _, _ in after} == {"b" if holder is a else "a"}
    finally:
        a.stop()
        b.stop()
        await asyncio.gather(*tasks)
    everything = rows()
    assert len(everything) == 250, "each event applied once"
    for aggregate in aggregates:
        versions = [q for _, s, q in everything if s == str(aggregate)]
        assert versions == list(range(1, 51)), "in the order the stream holds them"


def versioned(aggregate: uuid.UUID, version: int) -> Envelope:
    """The version-th ProfileChanged of one user."""
    event = ProfileChanged(
        user_id=aggregate,
        environment_id=aggregate,
        changed=["full_name"],
        full_name=f"Name {version}",
        changed_at=datetime.now(UTC),
    )
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/identity",
        time=datetime.now(UTC),
        subject=aggregate,
        sequence=version,
        correlation_id=None,
    )


async def test_a_replica_taking_over_from_a_dead_one_applies_what_it_left_first(
    js: JetStreamContext, tmp_path: Path
) -> None:
    """The dead holder fetched events and never acknowledged them: they come first, in order."""
    database = Database(f"sqlite:///{tmp_path / 'takeover.db'}")
    metadata = MetaData()
    applied = Table(
        "applied",
        metadata,
        Column("position", Integer, primary_key=True, autoincrement=True),
        Column("subject", String(64)),
        Column("sequence", Integer),
    )
    metadata.create_all(database.engine)
    create_bookkeeping_tables(database.engine)

    def effect(session: Session, envelope: Envelope, _event: IntegrationEvent) -> None:
        session.execute(
            applied.insert().values(subject=envelope.subject, sequence=envelope.sequence)
        )

    def replica(name: str) -> EventConsumer:
        # An acknowledgement wait longer than the lease: the new holder must keep renewing.
        return EventConsumer(
            durable="taken-over",
            subject="events.identity.>",
            database=database,
            executor=StoreExecutor(name, database),
            effect=effect,
            ack_wait_seconds=3,
        )

    aggregate = uuid.uuid4()
    for version in range(1, 31):
        envelope = versioned(aggregate, version)
        await js.publish(
            "events.identity.ProfileChanged",
            envelope.to_json(),
            headers={"Nats-Msg-Id": envelope.id},
        )
    # A replica holds the lease, fetches ten events and dies before acknowledging them.
    dead = Lease(js, "consumer-taken-over", seconds=1.5)
    assert await dead.held()
    ghost = replica("dead")
    ghost.bind_jetstream(js)
    subscription = await ghost._subscribe()
    assert len(await subscription.fetch(batch=10, timeout=5)) == 10
    await subscription.unsubscribe()

    successor = replica("successor")
    successor.use_lease(1.5)
    successor.bind_jetstream(js)
    task = asyncio.create_task(successor.run())
    try:
        deadline = time.monotonic() + 30
        while True:
            with database.transaction(commit=False) as session:
                versions = [
                    v
                    for (v,) in session.execute(
                        select(applied.c.sequence).order_by(applied.c.position)
                    )
                ]
            if len(versions) >= 30:
                break
            assert time.monotonic() < deadline, f"{len(versions)} of 30 applied"
            await asyncio.sleep(0.1)
        assert successor._lease is not None and await successor._lease.held()
    finally:
        successor.stop()
        await task
    assert versions == list(range(1, 31))

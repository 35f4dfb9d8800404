"""Replicas of a service: one relay publishes at a time, and a dead one is replaced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import nats
import pytest
from devstack.nats import NatsServerProcess
from identity.integration.outbound import to_envelope
from nats.js import JetStreamContext
from servicekit.executor import StoreExecutor
from servicekit.lease import Lease
from servicekit.relay import OutboxRelay
from servicekit.streams import EVENTS_STREAM, declare_streams

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

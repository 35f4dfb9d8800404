"""The relay puts every stored event on the bus exactly once, in order, whatever crashes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from devstack.nats import NatsServerProcess
from identity.bootstrap import Identity
from identity.integration.outbound import to_envelope
from nats.js import JetStreamContext
from servicekit.executor import StoreExecutor
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


def register(identity: Identity, n: int) -> None:
    for i in range(n):
        register_one(identity, f"user{i}@example.nl")


async def stream_messages(js: JetStreamContext) -> list[nats.aio.msg.Msg]:
    info = await js.stream_info(EVENTS_STREAM)
    subscription = await js.subscribe("events.>", ordered_consumer=True)
    messages = [await subscription.next_msg(timeout=5) for _ in range(info.state.messages)]
    await subscription.unsubscribe()
    return messages


async def test_each_stored_event_is_published_once_with_its_id_as_msg_id(
    js: JetStreamContext, database_url: str, keys: dict[str, str]
) -> None:
    identity = identity_on(database_url, keys)
    register(identity, 5)
    relay = OutboxRelay(
        name="identity",
        app=identity.app,
        executor=StoreExecutor("t"),
        js=js,
        to_envelope=to_envelope,
    )
    published = await relay.publish_pending()
    assert published == 15, "three events per registration: two of the user, one of the index"
    messages = await stream_messages(js)
    assert len(messages) == 10, "index events stay inside identity; two public events each"
    ids = [m.headers["Nats-Msg-Id"] for m in messages if m.headers]
    assert len(set(ids)) == 10
    subjects = [m.subject for m in messages]
    assert subjects[:2] == [
        "events.identity.UserRegistered",
        "events.identity.EmailVerificationRequested",
    ]
    assert await relay.publish_pending() == 0


async def test_a_relay_that_lost_its_position_republishes_and_the_server_drops_the_copies(
    js: JetStreamContext, database_url: str, keys: dict[str, str]
) -> None:
    identity = identity_on(database_url, keys)
    register(identity, 3)
    executor = StoreExecutor("t")
    relay = OutboxRelay(
        name="identity", app=identity.app, executor=executor, js=js, to_envelope=to_envelope
    )
    await relay.publish_pending()
    # As if the process died after the PubAcks but before recording the position, and started
    # again.
    await executor.run(relay._record_position, 0)
    restarted = OutboxRelay(
        name="identity", app=identity.app, executor=executor, js=js, to_envelope=to_envelope
    )
    assert await restarted.publish_pending() == 9
    messages = await stream_messages(js)
    assert len(messages) == 6


async def test_events_saved_after_a_pass_are_published_by_the_next(
    js: JetStreamContext, database_url: str, keys: dict[str, str]
) -> None:
    identity = identity_on(database_url, keys)
    relay = OutboxRelay(
        name="identity",
        app=identity.app,
        executor=StoreExecutor("t"),
        js=js,
        to_envelope=to_envelope,
    )
    register(identity, 1)
    await relay.publish_pending()
    register_one(identity, "late@example.nl")
    await relay.publish_pending()
    messages = await stream_messages(js)
    sequences = [m.metadata.sequence.stream for m in messages]
    assert sequences == sorted(sequences) and len(messages) == 4

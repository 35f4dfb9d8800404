"""A consumer applies each event once; failures retry; poison goes to the dead-letter stream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.identity import UserRegistered
from devstack.nats import NatsServerProcess
from nats.js import JetStreamContext
from servicekit.consumer import Effect, EventConsumer, PermanentFailure, Prepare
from servicekit.database import Database
from servicekit.executor import StoreExecutor
from servicekit.streams import DEAD_LETTER_STREAM, declare_streams
from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

metadata = MetaData()
greeted = Table("greeted", metadata, Column("event_id", String(64)), Column("email", String(200)))


def registration(email: str) -> Envelope:
    event = UserRegistered(
        user_id=uuid.uuid4(),
        environment_id=uuid.uuid4(),
        environment_name="example.nl",
        email=email,
        full_name="Someone",
        language="nl",
        registered_at=datetime.now(UTC),
    )
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/identity",
        time=datetime.now(UTC),
        subject=event.user_id,
        sequence=1,
        correlation_id="corr",
    )


class World:
    """A real NATS, a real SQLite file, and one consumer whose effect we can make fail."""

    def __init__(self, nats_url: str, database: Database) -> None:
        self.nats_url = nats_url
        self.database = database
        self.failures: dict[str, int] = {}
        self.consumer: EventConsumer | None = None
        self.js: JetStreamContext | None = None

    def effect(self, session: Session, envelope: Envelope, event: IntegrationEvent) -> None:
        assert isinstance(event, UserRegistered)
        if event.email.startswith("never"):
            raise PermanentFailure("this recipient can never be greeted")
        remaining = self.failures.get(event.email, 0)
        if remaining:
            self.failures[event.email] = remaining - 1
            raise ConnectionError("the effect's server is down for a moment")
        session.execute(greeted.insert().values(event_id=envelope.id, email=event.email))

    def count(self, email: str | None = None) -> int:
        with self.database.transaction(commit=False) as session:
            query = select(func.count()).select_from(greeted)
            if email:
                query = query.where(greeted.c.email == email)
            return int(session.execute(query).scalar_one())

    async def start(
        self,
        max_deliver: int = 4,
        subject: str | list[str] = "events.identity.>",
        prepare: Prepare | None = None,
    ) -> None:
        self.nc = await nats.connect(self.nats_url)
        self.js = self.nc.jetstream()
        await declare_streams(self.js)
        self.consumer = consumer = EventConsumer(
            durable="test-consumer",
            subject=subject,
            database=self.database,
            executor=StoreExecutor("test"),
            effect=None if prepare else self.effect,
            prepare=prepare,
            max_deliver=max_deliver,
            backoff=(0.1, 0.2, 0.3),
        )
        consumer.bind_jetstream(self.js)
        self.task = asyncio.create_task(consumer.run())

    async def publish(self, envelope: Envelope, raw: bytes | None = None) -> None:
        assert self.js is not None
        await self.js.publish(
            "events.identity.UserRegistered",
            raw if raw is not None else envelope.to_json(),
            headers={"Nats-Msg-Id": str(uuid.uuid4())},
        )

    async def stop(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()
            await asyncio.wait_for(self.task, timeout=5)
            await self.nc.close()


@pytest.fixture
async def world(nats_server: NatsServerProcess, tmp_path: Path) -> AsyncIterator[World]:
    database = Database(f"sqlite:///{tmp_path / 'consumer.db'}")
    metadata.create_all(database.engine)
    create_bookkeeping_tables(database.engine)
    w = World(nats_server.url, database)
    yield w
    await w.stop()


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def dead_letters(nats_url: str) -> list[nats.aio.msg.Msg]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    info = await js.stream_info(DEAD_LETTER_STREAM)
    subscription = await js.subscribe("deadletter.>", ordered_consumer=True)
    messages = [await subscription.next_msg(timeout=5) for _ in range(info.state.messages)]
    await nc.close()
    return messages


async def test_a_redelivered_event_changes_nothing_the_second_time(world: World) -> None:
    await world.start()
    envelope = registration("ann@example.nl")
    await world.publish(envelope)
    await world.publish(envelope)  # the same event again, e.g. replayed
    await eventually(lambda: world.count() == 1)
    await asyncio.sleep(0.5)
    assert world.count() == 1


async def test_a_durable_left_with_other_subjects_is_brought_up_to_date(world: World) -> None:
    """A new version of a service that follows other subjects gets them from its durable
    consumer, without losing the consumer's position."""
    await world.start(subject="events.identity.UserDeleted")
    await world.publish(registration("ann@example.nl"))
    await asyncio.sleep(0.5)
    assert world.count() == 0  # not one of its subjects
    await world.stop()

    wanted = ["events.identity.UserDeleted", "events.identity.UserRegistered"]
    await world.start(subject=wanted)
    await world.publish(registration("bob@example.nl"))
    await eventually(lambda: world.count("bob@example.nl") == 1)
    assert world.js is not None
    config = (await world.js.consumer_info("EVENTS", "test-consumer")).config
    assert sorted(config.filter_subjects or []) == wanted


async def test_an_idle_consumer_waits_without_polling_and_takes_the_next_event_at_once(
    world: World,
) -> None:
    """Idle, it keeps one long request open instead of asking twenty times a second; the event
    that ends the quiet is applied as soon as it is published."""
    await world.start()
    await world.publish(registration("ann@example.nl"))
    await eventually(lambda: world.count() == 1)
    requests: list[float] = []
    watcher = await nats.connect(world.nats_url)
    try:

        async def note(_msg: nats.aio.msg.Msg) -> None:
            requests.append(asyncio.get_running_loop().time())

        # Every pull request of the consumer is a message on this subject.
        await watcher.subscribe("$JS.API.CONSUMER.MSG.NEXT.EVENTS.test-consumer", cb=note)
        await asyncio.sleep(2.0)
        assert len(requests) <= 3, f"{len(requests)} pull requests in 2 s of quiet"
        began = asyncio.get_running_loop().time()
        await world.publish(registration("bob@example.nl"))
        await eventually(lambda: world.count("bob@example.nl") == 1, timeout=3.0)
        assert asyncio.get_running_loop().time() - began < 0.5
    finally:
        await watcher.close()


async def test_stopping_an_idle_consumer_does_not_wait_out_its_long_request(world: World) -> None:
    await world.start()
    await asyncio.sleep(1.0)  # idle: in its long wait
    assert world.consumer is not None
    began = asyncio.get_running_loop().time()
    world.consumer.stop()
    await asyncio.wait_for(world.task, timeout=5)
    assert asyncio.get_running_loop().time() - began < 1.0
    await world.nc.close()
    world.consumer = None


async def test_an_effect_that_fails_for_a_while_is_retried_until_it_succeeds(world: World) -> None:
    world.failures["bob@example.nl"] = 2
    await world.start()
    await world.publish(registration("bob@example.nl"))
    await eventually(lambda: world.count("bob@example.nl") == 1)
    assert world.failures["bob@example.nl"] == 0


async def test_a_prepare_step_is_retried_with_its_count_and_its_effect_commits_once(
    world: World,
) -> None:
    """The step before the transaction (a call to another system) fails twice, then returns the
    effect; a redelivery of the applied event runs the step again but commits nothing."""
    deliveries: list[int] = []

    async def prepare(envelope: Envelope, event: IntegrationEvent, delivery: int) -> Effect:
        deliveries.append(delivery)
        await asyncio.sleep(0)  # it may wait for others: no transaction is open
        if len(deliveries) < 3:
            raise ConnectionError("the other system is down for a moment")
        return world.effect

    await world.start(prepare=prepare)
    envelope = registration("fay@example.nl")
    await world.publish(envelope)
    await eventually(lambda: world.count("fay@example.nl") == 1)
    assert deliveries == [1, 2, 3]
    await world.publish(envelope)  # the same event again
    await eventually(lambda: len(deliveries) == 4)
    await asyncio.sleep(0.3)
    assert world.count("fay@example.nl") == 1


def test_a_consumer_takes_an_effect_or_a_prepare_step_not_both() -> None:
    for effect, prepare in ((None, None), (lambda *_: None, lambda *_: None)):
        with pytest.raises(ValueError, match="either an effect or a prepare step"):
            EventConsumer(
                durable="x",
                subject="events.>",
                database=Database("sqlite://"),
                executor=StoreExecutor("x"),
                effect=effect,  # type: ignore[arg-type]
                prepare=prepare,  # type: ignore[arg-type]
            )


async def test_poison_goes_to_the_dead_letter_stream_with_its_reason_and_the_rest_flows(
    world: World,
) -> None:
    await world.start()
    await world.publish(registration("x"), raw=b"this is not an envelope")
    await world.publish(registration("never@example.nl"))
    await world.publish(registration("carol@example.nl"))
    await eventually(lambda: world.count("carol@example.nl") == 1)
    letters = await dead_letters(world.nats_url)
    reasons = sorted((m.headers or {})["X-Dead-Letter-Reason"] for m in letters)
    assert len(letters) == 2
    assert reasons[0].startswith("this recipient can never be greeted")
    assert reasons[1].startswith("unreadable event")
    assert all((m.headers or {})["X-Dead-Letter-Consumer"] == "test-consumer" for m in letters)


async def test_an_effect_that_keeps_failing_is_dead_lettered_after_max_deliver(
    world: World,
) -> None:
    world.failures["dave@example.nl"] = 100
    await world.start(max_deliver=3)
    await world.publish(registration("dave@example.nl"))
    await world.publish(registration("erin@example.nl"))
    await eventually(lambda: world.count("erin@example.nl") == 1)

    async def lettered() -> int:
        return len(await dead_letters(world.nats_url))

    deadline = asyncio.get_running_loop().time() + 10
    while await lettered() < 1 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    letters = await dead_letters(world.nats_url)
    assert len(letters) == 1
    headers = letters[0].headers or {}
    assert headers["X-Deliveries"] == "3"
    assert "gave up after 3 deliveries" in headers["X-Dead-Letter-Reason"]
    assert world.count("dave@example.nl") == 0

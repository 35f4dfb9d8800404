"""Webhooks against a real local HTTP endpoint and a real nats-server: each organisation event
arrives signed, once, in order; 500s and timeouts are retried; a delivery can be replayed; a
rotated secret signs beside the old one through its grace period."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from contracts.commands.caller import Caller
from contracts.commands.partners import (
    ListDeliveries,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
)
from contracts.envelope import Envelope
from contracts.events.organisation import ReceivingDisabled, ReceivingEnabled
from devstack.nats import NatsServerProcess
from devstack.webhook_sink import Received, WebhookSink
from eventsourcing.application import AggregateNotFoundError
from nats.js import JetStreamContext
from partners.bootstrap import Partners, bootstrap
from partners.delivery.log import REMOVED
from partners.domain.signing import new_secret, verify
from partners.domain.webhook import outcome_id
from partners.integration.inbound import WEBHOOK_CONSUMER, FilteredConsumer, partner_event_subjects
from partners.integration.outbound import to_integration_event
from partners.settings import PartnersSettings
from partners.tables import deliveries, delivery_attempts
from servicekit.relay import subject_of
from servicekit.sealing import new_private_key
from servicekit.streams import DEAD_LETTER_STREAM, EVENTS_STREAM, declare_streams
from sqlalchemy import func, select

pytestmark = pytest.mark.timeout(120)


@dataclass
class World:
    partners: Partners
    js: JetStreamContext
    sink: WebhookSink
    admin: Caller

    async def register(
        self, organisation: uuid.UUID, path: str, events: list[str]
    ) -> tuple[str, str]:
        secret = new_secret()
        webhook = await self.partners.executor.run(
            self.partners.webhooks.register,
            RegisterWebhook(
                caller=self.admin,
                organisation_id=organisation,
                url=self.sink.url(path),
                events=events,  # type: ignore[arg-type]
                sealed_secret=self.partners.secrets.seal(secret),
            ),
        )
        return str(webhook.id), secret

    async def publish(self, envelope: Envelope, msg_id: str | None = None) -> None:
        await self.js.publish(
            subject_of(envelope),
            envelope.to_json(),
            stream=EVENTS_STREAM,
            headers={"Nats-Msg-Id": msg_id or envelope.id},
        )

    async def log(self, organisation: uuid.UUID, webhook_id: str):  # type: ignore[no-untyped-def]
        return await self.partners.executor.run(
            self.partners.deliveries.page,
            ListDeliveries(
                caller=self.admin, organisation_id=organisation, webhook_id=uuid.UUID(webhook_id)
            ),
        )


def receiving(organisation: uuid.UUID, on: bool, sequence: int) -> Envelope:
    """A receiving switch of an organisation, as the organisation service publishes it."""
    kind = ReceivingEnabled if on else ReceivingDisabled
    event = kind(
        organisation_id=organisation,
        environment_id=uuid.uuid4(),
        participant_ids=["0106:12345678"],
        changed_at=datetime.now(UTC),
    )
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/organisation",
        time=datetime.now(UTC),
        subject=organisation,
        sequence=sequence,
        correlation_id=None,
        organisation_id=organisation,
    )


@pytest.fixture
async def world(
    nats_server: NatsServerProcess, tmp_path: Path, database_url: str
) -> AsyncIterator[World]:
    """The partners service's parts on SQLite and on PostgreSQL (see `database_url`)."""
    settings = PartnersSettings(
        nats_url=nats_server.url,
        var_dir=tmp_path,
        partners_database_url=database_url,
        partners_private_key=new_private_key(),
        webhook_timeout_seconds=0.5,
        webhook_retry_base_seconds=0.1,
        webhook_retry_max_delay_seconds=0.3,
        webhook_retry_period_seconds=30,
        webhook_allow_private_destinations=True,
        webhook_poll_seconds=0.05,
    )
    partners = bootstrap(settings)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await declare_streams(js)
    sink = WebhookSink()
    await sink.start()
    consumer = FilteredConsumer(
        durable=WEBHOOK_CONSUMER,
        subjects=partner_event_subjects(),
        database=partners.database,
        executor=partners.executor,
        effect=partners.inbound.apply,
        batch_effect=partners.inbound.apply_batch,
        on_applied=partners.dispatcher.wake,
        ack_wait_seconds=5,
    )
    consumer.bind_jetstream(js)
    tasks = [asyncio.create_task(consumer.run()), asyncio.create_task(partners.dispatcher.run())]
    admin = Caller(
        user_id=uuid.uuid4(), environment_id=uuid.uuid4(), session_id=uuid.uuid4(), role="admin"
    )
    try:
        yield World(partners, js, sink, admin)
    finally:
        consumer.stop()
        partners.dispatcher.stop()
        await asyncio.wait(tasks, timeout=10)
        await sink.stop()
        await nc.close()
        partners.executor.shutdown()


async def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def settled(world: World, organisation: uuid.UUID, webhook_id: str) -> Any:
    """The delivery log once every delivery's outcome is recorded (attempts are recorded as they
    finish, beside the next POST, so the receiver may have them before the log does)."""
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        page = await world.log(organisation, webhook_id)
        if page.deliveries and all(d.status != "pending" for d in page.deliveries):
            return page
        assert asyncio.get_running_loop().time() < deadline, "the outcomes were never recorded"
        await asyncio.sleep(0.05)


def signed_with(secret: str, request: Received) -> bool:
    return verify(
        secret, request.headers["x-timestamp"], request.body, request.headers["x-signature"]
    )


async def test_each_event_of_the_organisation_arrives_once_signed_and_in_order(
    world: World,
) -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    webhook_id, secret = await world.register(
        mine, "/mine", ["ReceivingEnabled", "ReceivingDisabled"]
    )
    envelopes = [receiving(mine, on=i % 2 == 0, sequence=i + 1) for i in range(6)]
    for i, envelope in enumerate(envelopes):
        await world.publish(envelope)
        await world.publish(receiving(other, on=True, sequence=i + 1))
    # The same event again under another message id: the bus delivers it twice, we POST it once.
    await world.publish(envelopes[2], msg_id=str(uuid.uuid4()))

    await until(lambda: len(world.sink.on("/mine")) >= 6)
    await asyncio.sleep(0.5)
    got = world.sink.on("/mine")
    assert [r.headers["x-event-id"] for r in got] == [e.id for e in envelopes]
    assert all(signed_with(secret, r) for r in got)
    assert not signed_with(new_secret(), got[0])
    assert all(r.headers["x-signature"].startswith("sha256=") for r in got)
    assert all(r.headers["content-type"] == "application/cloudevents+json" for r in got)
    body = json.loads(got[0].body)
    assert body["specversion"] == "1.0" and body["type"] == "ReceivingEnabled"
    assert body["organisationid"] == str(mine) and body["id"] == envelopes[0].id
    assert len(world.sink.received) == 6, "nothing of the other organisation, nothing twice"

    page = await settled(world, mine, webhook_id)
    assert page.total == 6 and {d.status for d in page.deliveries} == {"succeeded"}
    assert all(len(d.attempts) == 1 and d.attempts[0].status_code == 200 for d in page.deliveries)


async def test_500s_and_timeouts_are_retried_and_later_events_wait_their_turn(world: World) -> None:
    organisation = uuid.uuid4()
    webhook_id, secret = await world.register(
        organisation, "/flaky", ["ReceivingEnabled", "ReceivingDisabled"]
    )
    world.sink.answers["/flaky"] = [500, ("sleep", 1.0), 503, 200, 200]
    first, second = receiving(organisation, True, 1), receiving(organisation, False, 2)
    await world.publish(first)
    await world.publish(second)

    await until(lambda: len(world.sink.on("/flaky")) >= 5)
    ids = [r.headers["x-event-id"] for r in world.sink.on("/flaky")]
    assert ids == [first.id] * 4 + [second.id], "the second waits until the first got through"
    assert all(signed_with(secret, r) for r in world.sink.on("/flaky"))

    page = await settled(world, organisation, webhook_id)
    by_event = {str(d.event_id): d for d in page.deliveries}
    tries = by_event[first.id].attempts
    assert [a.status_code for a in tries] == [500, None, 503, 200]
    assert "no answer within" in (tries[1].error or "")
    assert by_event[first.id].status == "succeeded" and by_event[second.id].status == "succeeded"
    # Backoff: each retry came later than the one before it, never at once.
    gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(tries)]
    assert all(gap >= 0.05 for gap in gaps), gaps


async def test_a_delivery_failing_for_the_whole_retry_period_is_marked_failed(
    world: World,
) -> None:
    organisation = uuid.uuid4()
    world.partners.dispatcher._schedule = type(world.partners.dispatcher._schedule)(0.05, 0.1, 0.6)
    webhook_id, _ = await world.register(organisation, "/down", ["ReceivingEnabled"])
    world.sink.answers["/down"] = [500] * 1000
    await world.publish(receiving(organisation, True, 1))

    async def failed() -> bool:
        page = await world.log(organisation, webhook_id)
        return bool(page.deliveries) and page.deliveries[0].status == "failed"

    deadline = asyncio.get_running_loop().time() + 15
    while not await failed():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
    [delivery] = (await world.log(organisation, webhook_id)).deliveries
    assert len(delivery.attempts) >= 2 and all(a.status_code == 500 for a in delivery.attempts)
    outcomes = [
        to_integration_event(e)
        for n in world.partners.app.recorder.select_notifications(1, 1000)
        for e in [world.partners.app.mapper.to_domain_event(n)]
    ]
    failed_events = [
        o for o in outcomes if o is not None and o.event_type == "WebhookDeliveryFailed"
    ]
    assert [str(f.delivery_id) for f in failed_events] == [str(delivery.id)]  # type: ignore[attr-defined]


async def test_replay_delivers_the_event_again_with_a_fresh_signature(world: World) -> None:
    organisation = uuid.uuid4()
    webhook_id, secret = await world.register(organisation, "/replay", ["ReceivingEnabled"])
    envelope = receiving(organisation, True, 1)
    await world.publish(envelope)
    await until(lambda: len(world.sink.on("/replay")) == 1)
    [original] = (await world.log(organisation, webhook_id)).deliveries

    replay = await world.partners.executor.run(
        world.partners.deliveries.replay,
        ReplayDelivery(
            caller=world.admin,
            organisation_id=organisation,
            webhook_id=uuid.UUID(webhook_id),
            delivery_id=original.id,
        ),
    )
    world.partners.dispatcher.wake()
    assert replay.replay_of == original.id and replay.status == "pending"
    await until(lambda: len(world.sink.on("/replay")) == 2)
    first, again = world.sink.on("/replay")
    assert again.headers["x-event-id"] == envelope.id and again.body == first.body
    assert signed_with(secret, again)
    page = await world.log(organisation, webhook_id)
    assert page.total == 2


async def test_a_rotated_secret_signs_beside_the_old_one_during_the_grace_period(
    world: World,
) -> None:
    organisation = uuid.uuid4()
    webhook_id, old = await world.register(organisation, "/rotating", ["ReceivingEnabled"])
    new = new_secret()
    rotated = await world.partners.executor.run(
        world.partners.webhooks.rotate,
        RotateWebhookSecret(
            caller=world.admin,
            organisation_id=organisation,
            webhook_id=uuid.UUID(webhook_id),
            sealed_secret=world.partners.secrets.seal(new),
            grace_seconds=3600,
        ),
    )
    assert rotated.previous_secret_valid_until is not None
    await world.publish(receiving(organisation, True, 1))
    await until(lambda: len(world.sink.on("/rotating")) == 1)
    [request] = world.sink.on("/rotating")
    assert signed_with(new, request) and signed_with(old, request)
    newest_first = request.headers["x-signature"].split(",")
    assert len(newest_first) == 2
    assert verify(new, request.headers["x-timestamp"], request.body, newest_first[0])


async def test_a_webhook_registered_on_another_replica_hears_what_happens_after_it(
    world: World,
) -> None:
    """The consumer caches each organisation's webhooks; a registration anywhere (here through
    a second instance on the same database, as another replica would) must reach it."""
    organisation = uuid.uuid4()
    await world.register(organisation, "/early", ["ReceivingEnabled"])
    before = [receiving(organisation, True, i + 1) for i in range(3)]
    for envelope in before:
        await world.publish(envelope)
    await until(lambda: len(world.sink.on("/early")) == 3)

    replica = bootstrap(world.partners.settings)
    try:
        secret = new_secret()
        await replica.executor.run(
            replica.webhooks.register,
            RegisterWebhook(
                caller=world.admin,
                organisation_id=organisation,
                url=world.sink.url("/late"),
                events=["ReceivingEnabled"],
                sealed_secret=replica.secrets.seal(secret),
            ),
        )
    finally:
        replica.executor.shutdown()
        replica.database.engine.dispose()
    after = [receiving(organisation, True, i + 4) for i in range(3)]
    for envelope in after:
        await world.publish(envelope)

    await until(lambda: len(world.sink.on("/early")) == 6 and len(world.sink.on("/late")) == 3)
    late = world.sink.on("/late")
    assert [r.headers["x-event-id"] for r in late] == [e.id for e in after]
    assert all(signed_with(secret, r) for r in late)
    early = world.sink.on("/early")
    assert [r.headers["x-event-id"] for r in early] == [e.id for e in before + after]


async def test_an_unreadable_message_among_events_is_dead_lettered_and_the_rest_delivered(
    world: World,
) -> None:
    organisation = uuid.uuid4()
    await world.register(organisation, "/amid", ["ReceivingEnabled"])
    good = [receiving(organisation, True, i + 1) for i in range(4)]
    subject = subject_of(good[0])
    parked_before = (await world.js.stream_info(DEAD_LETTER_STREAM)).state.messages
    # Published together so that they tend to arrive in one fetched batch.
    await asyncio.gather(
        world.publish(good[0]),
        world.publish(good[1]),
        world.js.publish(subject, b"{not an envelope", stream=EVENTS_STREAM),
        world.publish(good[2]),
        world.publish(good[3]),
    )
    await until(lambda: len(world.sink.on("/amid")) == 4)
    assert [r.headers["x-event-id"] for r in world.sink.on("/amid")] == [e.id for e in good]
    # Parked before the events behind it were applied, not after its ack wait ran out.
    assert (await world.js.stream_info(DEAD_LETTER_STREAM)).state.messages == parked_before + 1
    parked = await world.js.subscribe(f"deadletter.{WEBHOOK_CONSUMER}.>", ordered_consumer=True)
    letter = await parked.next_msg(timeout=10)
    assert letter.data == b"{not an envelope"
    assert (letter.headers or {})["X-Dead-Letter-Reason"].startswith("unreadable event")
    await parked.unsubscribe()


async def test_a_webhook_removed_while_a_delivery_is_on_its_way_keeps_its_queue_unsent(
    world: World,
) -> None:
    organisation = uuid.uuid4()
    webhook_id, _ = await world.register(
        organisation, "/leaving", ["ReceivingEnabled", "ReceivingDisabled"]
    )
    world.sink.answers["/leaving"] = [("sleep", 1.0)]  # the first POST takes its time
    await world.publish(receiving(organisation, True, 1))
    await world.publish(receiving(organisation, False, 2))
    await until(lambda: len(world.sink.on("/leaving")) >= 1)

    removed = await world.partners.executor.run(
        world.partners.webhooks.remove,
        RemoveWebhook(
            caller=world.admin, organisation_id=organisation, webhook_id=uuid.UUID(webhook_id)
        ),
    )
    assert str(removed.id) == webhook_id
    await asyncio.sleep(2.0)  # the POST on its way ends, and is recorded

    with world.partners.database.transaction(commit=False) as session:
        rows = session.execute(
            select(deliveries.c.id, deliveries.c.status, deliveries.c.last_error).where(
                deliveries.c.webhook_id == webhook_id
            )
        ).all()
        tried = session.execute(select(func.count()).select_from(delivery_attempts)).scalar_one()
    assert [(row.status, row.last_error) for row in rows] == [("failed", REMOVED)] * 2
    assert tried >= 1  # what was sent is kept as an attempt
    for row in rows:  # and no outcome says it succeeded (or failed) after all
        with pytest.raises(AggregateNotFoundError):
            world.partners.app.repository.get(outcome_id(uuid.UUID(row.id)))
    assert len(world.sink.on("/leaving")) == 1  # the second was never sent
    due = await world.partners.executor.run(
        world.partners.deliveries.due_webhooks, datetime.now(UTC), 100
    )
    assert webhook_id not in due

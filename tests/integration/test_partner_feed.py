"""The live partner feed on a real nats-server started with the generated authorization: a
partner follows its own organisation's events with a durable consumer and resumes where it left
off; it never sees another organisation's events, cannot read them by any JetStream API call,
and cannot publish anything."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from contracts.envelope import Envelope
from contracts.events.organisation import OrganisationActivated
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from partners import feed_access
from partners.feed.access import FeedAccess, consumer_name
from partners.feed.forwarder import FeedForwarder
from partners.integration.inbound import partner_event_subjects
from servicekit.relay import subject_of
from servicekit.streams import EVENTS_STREAM, PARTNER_STREAM, declare_streams

pytestmark = pytest.mark.timeout(120)

A, B = str(uuid.uuid4()), str(uuid.uuid4())


@dataclass
class Feed:
    server: NatsServerProcess
    passwords: dict[str, str]
    events: dict[str, list[str]] = field(default_factory=dict)


def activated(organisation: str) -> Envelope:
    event = OrganisationActivated(
        organisation_id=uuid.UUID(organisation),
        environment_id=uuid.uuid4(),
        name="Test BV",
        activated_at=datetime.now(UTC),
    )
    return Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/organisation",
        time=datetime.now(UTC),
        subject=organisation,
        sequence=1,
        correlation_id=None,
        organisation_id=organisation,
    )


async def _fill(server: NatsServerProcess, feed: Feed) -> None:
    """As the platform (anonymous, no_auth_user): publish events, let the forwarder copy them."""
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await declare_streams(js)
    forwarder = FeedForwarder(partner_event_subjects(), 1, 3600)
    await forwarder.bind_jetstream(js)
    for organisation in (A, B, A, B, A, B):
        envelope = activated(organisation)
        feed.events.setdefault(organisation, []).append(envelope.id)
        await js.publish(subject_of(envelope), envelope.to_json(), stream=EVENTS_STREAM)
    task = asyncio.create_task(forwarder.run())
    for _ in range(200):
        if (await js.stream_info(PARTNER_STREAM)).state.messages == 6:
            break
        await asyncio.sleep(0.05)
    forwarder.stop()
    await task
    await nc.close()


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feed]:
    store = tmp_path_factory.mktemp("feed") / "nats"
    access = FeedAccess.load(store / "partners.json")
    passwords = {
        "alice": access.grant("alice", [A]),
        "bob": access.grant("bob", [B]),
        "carol": access.grant("carol", [A]),
    }
    store.mkdir(parents=True)
    (store / "authorization.conf").write_text(access.server_config())
    server = NatsServerProcess(store_dir=store, port=free_port())
    server.start()
    feed = Feed(server, {k: v for k, v in passwords.items() if v})
    try:
        asyncio.run(_fill(server, feed))
        yield feed
    finally:
        server.stop()


@dataclass
class Partner:
    nc: Client
    violations: list[str]


async def connect(feed: Feed, name: str) -> Partner:
    violations: list[str] = []

    async def on_error(error: Exception) -> None:
        violations.append(str(error).lower())

    nc = await nats.connect(
        feed.server.url,
        user=name,
        password=feed.passwords[name],
        inbox_prefix=f"_INBOX_{name}",
        error_cb=on_error,
        allow_reconnect=False,
    )
    return Partner(nc, violations)


def own_consumer(name: str, organisation: str) -> ConsumerConfig:
    consumer = consumer_name(name, organisation)
    return ConsumerConfig(
        name=consumer,
        durable_name=consumer,
        filter_subject=f"partner.{organisation}.>",
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
    )


async def test_a_partner_follows_its_organisation_and_resumes_where_it_left_off(feed: Feed) -> None:
    alice = await connect(feed, "alice")
    js = alice.nc.jetstream()
    await js.add_consumer(PARTNER_STREAM, own_consumer("alice", A))
    subscription = await js.pull_subscribe_bind(consumer_name("alice", A), PARTNER_STREAM)
    first = await subscription.fetch(2, timeout=5)
    for message in first:
        await message.ack_sync()
    await alice.nc.close()

    again = await connect(feed, "alice")
    js = again.nc.jetstream()
    subscription = await js.pull_subscribe_bind(consumer_name("alice", A), PARTNER_STREAM)
    rest = await subscription.fetch(10, timeout=2)
    seen = [Envelope.from_json(m.data).id for m in [*first, *rest]]
    assert seen == feed.events[A], "A's events, in order, each once; none of B's"
    assert all(m.subject.startswith(f"partner.{A}.OrganisationActivated") for m in rest)
    assert again.violations == []
    await again.nc.close()


async def test_a_partner_cannot_make_a_consumer_of_another_organisations_events(feed: Feed) -> None:
    alice = await connect(feed, "alice")
    js = alice.nc.jetstream()
    with pytest.raises(Exception):  # noqa: B017 (a permission violation: no answer at all)
        await js.add_consumer(
            PARTNER_STREAM,
            ConsumerConfig(
                name=consumer_name("alice", A),
                durable_name=consumer_name("alice", A),
                filter_subject=f"partner.{B}.>",
            ),
            timeout=1,
        )
    with pytest.raises(Exception):  # noqa: B017
        await js.add_consumer(PARTNER_STREAM, own_consumer("bob", B), timeout=1)
    # Its own consumer's name and subject, with B's filter inside the request: the server refuses.
    forged = own_consumer("alice", A)
    forged.filter_subject = None
    forged.filter_subjects = [f"partner.{B}.>"]
    subject = f"$JS.API.CONSUMER.CREATE.{PARTNER_STREAM}.{consumer_name('alice', A)}.partner.{A}.>"
    answer = await alice.nc.request(
        subject,
        ('{"stream_name":"PARTNER","config":' + json.dumps(forged.as_dict()) + "}").encode(),
        timeout=2,
    )
    assert b'"error"' in answer.data
    assert any("permissions violation" in v for v in alice.violations)
    await alice.nc.close()


API_CALLS = [
    f"$JS.API.STREAM.MSG.GET.{PARTNER_STREAM}",
    f"$JS.API.DIRECT.GET.{PARTNER_STREAM}",
    f"$JS.API.DIRECT.GET.{PARTNER_STREAM}.partner.{B}.OrganisationActivated",
    f"$JS.API.STREAM.INFO.{PARTNER_STREAM}",
    "$JS.API.STREAM.NAMES",
    "$JS.API.STREAM.LIST",
    f"$JS.API.CONSUMER.LIST.{PARTNER_STREAM}",
    f"$JS.API.CONSUMER.NAMES.{PARTNER_STREAM}",
    f"$JS.API.CONSUMER.CREATE.{PARTNER_STREAM}",
    f"$JS.API.CONSUMER.DURABLE.CREATE.{PARTNER_STREAM}.sneaky",
    f"$JS.API.CONSUMER.MSG.NEXT.{PARTNER_STREAM}.{consumer_name('bob', B)}",
    f"$JS.API.CONSUMER.INFO.{PARTNER_STREAM}.{consumer_name('bob', B)}",
    f"$JS.API.CONSUMER.DELETE.{PARTNER_STREAM}.{consumer_name('bob', B)}",
    f"$JS.API.STREAM.MSG.GET.{EVENTS_STREAM}",
    f"$JS.API.DIRECT.GET.{EVENTS_STREAM}",
    "$JS.API.INFO",
]


async def test_no_jetstream_api_call_reads_another_organisations_messages(feed: Feed) -> None:
    bob = await connect(feed, "bob")
    await bob.nc.jetstream().add_consumer(PARTNER_STREAM, own_consumer("bob", B))
    await bob.nc.close()

    alice = await connect(feed, "alice")
    leaked: list[bytes] = []
    for call in API_CALLS:
        try:
            answer = await alice.nc.request(
                call, b'{"seq": 2, "last_by_subj": "partner.>"}', timeout=0.5
            )
            leaked.append(answer.data)
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
            pass
    assert leaked == []
    # Nor by listening: B's subjects, the platform's events, other partners' inboxes.
    heard: list[bytes] = []

    async def hear(message: nats.aio.msg.Msg) -> None:
        heard.append(message.data)

    for subject in (f"partner.{B}.>", "partner.>", "events.>", "_INBOX.>", "_INBOX_bob.>", ">"):
        await alice.nc.subscribe(subject, cb=hear)
    await alice.nc.flush()
    platform = await nats.connect(feed.server.url)
    await platform.publish(f"partner.{B}.OrganisationActivated", b"core")
    await platform.flush()
    await asyncio.sleep(0.3)
    assert heard == []
    violations = " ".join(alice.violations)
    assert violations.count("permissions violation") >= len(API_CALLS)
    await platform.close()
    await alice.nc.close()


async def test_a_partner_cannot_publish(feed: Feed) -> None:
    alice = await connect(feed, "alice")
    platform = await nats.connect(feed.server.url)
    before = (await platform.jetstream().stream_info(PARTNER_STREAM)).state.messages
    for subject in (
        f"partner.{A}.InvoiceReceived",
        "events.invoicing.InvoiceReceived",
        f"$JS.API.STREAM.PURGE.{PARTNER_STREAM}",
    ):
        await alice.nc.publish(subject, b"{}")
    await alice.nc.flush()
    await asyncio.sleep(0.3)
    after = await platform.jetstream().stream_info(PARTNER_STREAM)
    assert after.state.messages == before
    assert sum("permissions violation for publish" in v for v in alice.violations) == 3
    await platform.close()
    await alice.nc.close()


def test_the_example_subscriber_resumes_where_it_left_off(feed: Feed) -> None:
    def run() -> list[str]:
        done = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve().parents[2] / "examples" / "partner_subscriber.py"),
                "--server",
                feed.server.url,
                "--user",
                "carol",
                "--password",
                feed.passwords["carol"],
                "--organisation",
                A,
                "--idle-seconds",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.splitlines()

    first = run()
    assert len(first) == 3 and all("OrganisationActivated" in line for line in first)
    assert run() == [], "the durable consumer remembers what was acknowledged"


def test_the_example_subscriber_says_plainly_when_it_is_refused(feed: Feed) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "partner_subscriber.py"
    for password, organisation in (("wrong", A), (feed.passwords["carol"], B)):
        done = subprocess.run(
            [
                *(sys.executable, str(example), "--server", feed.server.url, "--user", "carol"),
                *("--password", password, "--organisation", organisation, "--idle-seconds", "1"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1, done.stderr
        assert "cannot follow the feed" in done.stderr and "operators" in done.stderr
        assert "Traceback" not in done.stderr


async def _refused(server: NatsServerProcess, user: str, password: str) -> bool:
    try:
        nc = await nats.connect(
            server.url, user=user, password=password, allow_reconnect=False, connect_timeout=2
        )
    except Exception as error:  # nats-py raises the server's -ERR as a plain Exception
        return "authorization" in str(error).lower()
    await nc.close()
    return False


def test_a_grant_on_a_running_server_takes_effect_and_strangers_stay_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `make run` does it: the server starts before any grant, then the command adds a
    partner to the running server. Authorization holds from the first start (nats-server
    cannot turn it on by a reload)."""
    server = NatsServerProcess(store_dir=tmp_path / "nats", port=free_port())
    server.start()
    try:
        assert asyncio.run(_refused(server, "nobody", "wrong"))

        async def after_the_reload() -> None:
            # A service connected before the grant stays connected through the reload.
            service = await nats.connect(server.url, allow_reconnect=False)
            echo = await service.subscribe("check.reload")
            assert feed_access.main(["--var-dir", str(tmp_path), "grant", "acme", A]) == 0
            password = capsys.readouterr().out.split("password: ")[1].split()[0]
            for _ in range(50):  # the server reloads on SIGHUP, asynchronously
                if not await _refused(server, "acme", password):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the granted partner was never let in")
            assert await _refused(server, "acme", "wrong")
            assert await _refused(server, "nobody", "wrong")
            await asyncio.sleep(0.5)  # a reload that drops connections has done so by now
            await service.publish("check.reload", b"still here")
            assert (await echo.next_msg(timeout=2)).data == b"still here"
            await service.close()

        asyncio.run(after_the_reload())
    finally:
        server.stop()

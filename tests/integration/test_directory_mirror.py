"""The gateway's directory mirror replays and follows the organisation events on a real NATS."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import nats
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import (
    IdentifierAdded,
    IdentifierRemoved,
    OrganisationDetailsChanged,
    ReceivingDisabled,
    ReceivingEnabled,
)
from devstack.nats import NatsServerProcess
from gateway.directory import DirectoryMirror
from servicekit.streams import declare_streams

NOW = datetime.now(UTC)


async def publish(js: object, event: IntegrationEvent) -> None:
    envelope = Envelope.wrap(
        event,
        id=uuid.uuid4(),
        source="/services/organisation",
        time=NOW,
        subject=getattr(event, "organisation_id", None),
        sequence=1,
        correlation_id=None,
    )
    await js.publish(event.nats_subject(), envelope.to_json(), stream="EVENTS")  # type: ignore[attr-defined]


async def until(check: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "the mirror did not follow"
        await asyncio.sleep(0.02)


async def test_the_mirror_replays_history_and_follows_what_comes_after(
    nats_server: NatsServerProcess,
) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await declare_streams(js)
    one, two = uuid.uuid4(), uuid.uuid4()
    environment = uuid.uuid4()
    common = {"environment_id": environment, "changed_by": None, "changed_at": NOW}
    # History before the gateway starts: one receives, two received and stopped.
    await publish(
        js,
        ReceivingEnabled(
            organisation_id=one, name="Een BV", participant_ids=["0106:11111111"], **common
        ),
    )
    await publish(
        js,
        ReceivingEnabled(
            organisation_id=two, name="Twee BV", participant_ids=["0106:22222222"], **common
        ),
    )
    await publish(
        js, ReceivingDisabled(organisation_id=two, participant_ids=["0106:22222222"], **common)
    )
    mirror = DirectoryMirror()
    follower = asyncio.create_task(mirror.follow(nc))
    try:
        await until(lambda: mirror.caught_up)
        await until(lambda: mirror.get("0106:11111111") is not None)
        assert mirror.get("0106:22222222") is None
        # Then what happens while it runs.
        await publish(
            js,
            IdentifierAdded(
                organisation_id=one,
                environment_id=environment,
                scheme="9944",
                value="NL000099998B57",
                participant_id="9944:NL000099998B57",
                receiving=True,
                name="Een BV",
                added_by=None,
                added_at=NOW,
            ),
        )
        await until(lambda: mirror.get("9944:NL000099998B57") is not None)
        await publish(
            js,
            OrganisationDetailsChanged(
                organisation_id=one,
                environment_id=environment,
                name="Een BV Nieuw",
                address=None,
                receiving=True,
                changed_by=None,
                changed_at=NOW,
            ),
        )
        await until(lambda: (mirror.get("0106:11111111") or object()).name == "Een BV Nieuw")  # type: ignore[attr-defined]
        await publish(
            js,
            IdentifierRemoved(
                organisation_id=one,
                environment_id=environment,
                scheme="9944",
                value="NL000099998B57",
                participant_id="9944:NL000099998B57",
                removed_by=None,
                removed_at=NOW,
            ),
        )
        await until(lambda: mirror.get("9944:NL000099998B57") is None)
        assert mirror.get("0106:11111111") is not None and len(mirror) == 1
    finally:
        follower.cancel()
        await nc.close()


def test_a_removal_by_another_organisation_leaves_the_listing_alone() -> None:
    mirror = DirectoryMirror()
    holder, other = uuid.uuid4(), uuid.uuid4()
    common = {"environment_id": uuid.uuid4(), "changed_by": None, "changed_at": NOW}
    mirror.apply(
        ReceivingEnabled(
            organisation_id=holder, name="Houder", participant_ids=["0190:1"], **common
        )
    )
    mirror.apply(ReceivingDisabled(organisation_id=other, participant_ids=["0190:1"], **common))
    listing = mirror.get("0190:1")
    assert listing is not None and listing.organisation_id == str(holder)

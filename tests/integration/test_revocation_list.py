"""A session identity ends reaches the gateway's revocation list through the key-value bucket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import nats
import pytest
from devstack.nats import NatsServerProcess
from gateway.revocations import RevokedSessions
from identity.bootstrap import Identity
from identity.state.sessions import revoke_all_sessions
from nats.aio.client import Client
from servicekit.streams import revoked_sessions

from tests.scenery import Clock, identity_on, register


@pytest.fixture
async def nc(nats_server: NatsServerProcess) -> AsyncIterator[Client]:
    connection = await nats.connect(nats_server.url)
    yield connection
    await connection.close()


@pytest.fixture
def identity(tmp_path: Path, keys: dict[str, str]) -> Identity:
    return identity_on(f"sqlite:///{tmp_path}/identity.db", keys, Clock())


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.02)


async def test_a_logout_and_a_reset_reach_every_gateway(identity: Identity, nc: Client) -> None:
    register(identity, "ann@example.nl")
    ann = identity.app.user_for("ann@example.nl")
    assert ann is not None
    sessions = [identity.sessions.start_session(ann, f"192.0.2.{i}") for i in range(3)]

    # A gateway that was running before anything was revoked, and one that starts later.
    early = RevokedSessions()
    following = asyncio.create_task(early.follow(nc))
    await until(lambda: early.synced)

    identity.revocations.attach(await revoked_sessions(nc.jetstream()))
    identity.sessions.end_session(ann.id, sessions[0].session_id)
    assert await identity.revocations.publish_pending() == 1
    await until(lambda: str(sessions[0].session_id) in early)
    assert str(sessions[1].session_id) not in early

    with identity.database.transaction() as tx:
        revoke_all_sessions(tx, ann.id, "password-reset", Clock()())
    assert await identity.revocations.publish_pending() == 2
    assert await identity.revocations.publish_pending() == 0, "each is published once"

    late = RevokedSessions()
    late_following = asyncio.create_task(late.follow(nc))
    await until(lambda: late.synced)
    for session in sessions:
        await until(lambda s=session: str(s.session_id) in early)
        assert str(session.session_id) in late, "a new gateway reads what was revoked before"
    following.cancel()
    late_following.cancel()


async def test_a_gateway_is_not_ready_to_judge_tokens_before_it_has_read_the_list(
    nc: Client,
) -> None:
    revoked = RevokedSessions()
    assert not revoked.synced
    task = asyncio.create_task(revoked.follow(nc))
    await until(lambda: revoked.synced)
    task.cancel()

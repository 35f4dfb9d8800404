"""GET /api/v1/me from the gateway's cache, kept true by identity's events on a real NATS server.

The gateway runs for real (its Bus, revocation watch and event subscription on a real
nats-server); identity is played by a responder on `qry.identity.profile` that counts the
questions and publishes its events the way the relay does, on `events.identity.<Type>`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import pytest
import uvicorn
from contracts.commands.invitations import InvitationAcceptedReply
from contracts.commands.profile import EmailPreferences, OrganisationGrant, Profile, Roles
from contracts.commands.wire import ok_reply
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings
from identity.security.access_tokens import AccessTokenIssuer
from litestar import Litestar
from nats.aio.client import Client
from nats.aio.msg import Msg

USER, ENVIRONMENT = uuid.uuid4(), uuid.uuid4()


class Identity:
    """Plays identity: answers GetProfile from its current state, publishes its events."""

    def __init__(self) -> None:
        self.profile = Profile(
            id=USER,
            email="anna@example.nl",
            full_name="Anna de Vries",
            language="nl",
            environment_id=ENVIRONMENT,
            roles=Roles(environment="admin"),
            email_preferences=EmailPreferences(),
            receiving_prompt_enabled=True,
        )
        self.asked = 0
        self.grant = OrganisationGrant(organisation_id=uuid.uuid4(), role="member")
        self.nc: Client | None = None

    async def start(self, url: str) -> None:
        self.nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        await self.nc.subscribe("qry.identity.profile", cb=self._answer)
        await self.nc.subscribe("cmd.identity.accept-invitation", cb=self._accept)
        await self.nc.flush()

    async def _answer(self, message: Msg) -> None:
        self.asked += 1
        await message.respond(ok_reply(self.profile))

    async def _accept(self, message: Msg) -> None:
        # The invitation's membership goes to the user; its event is not published (yet).
        self.profile = self.profile.model_copy(
            update={"roles": Roles(environment="admin", organisations=[self.grant])}
        )
        reply = InvitationAcceptedReply(user_id=USER, environment_id=ENVIRONMENT, new_account=False)
        await message.respond(ok_reply(reply))

    async def rename(self, name: str, publish: bool = True) -> None:
        """Record a new name and, as the relay would, publish ProfileChanged."""
        self.profile = self.profile.model_copy(update={"full_name": name})
        if publish:
            await self.publish("ProfileChanged", USER, changed=["full_name"], full_name=name)

    async def publish(self, event_type: str, user_id: uuid.UUID, **data: Any) -> None:
        assert self.nc is not None
        envelope = {"type": event_type, "data": {"user_id": str(user_id), **data}}
        await self.nc.publish(f"events.identity.{event_type}", json.dumps(envelope).encode())
        await self.nc.flush()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.02)


@pytest.fixture
async def identity(nats_server: NatsServerProcess) -> AsyncIterator[Identity]:
    playing = Identity()
    await playing.start(nats_server.url)
    yield playing
    assert playing.nc is not None
    await playing.nc.close()


@pytest.fixture
def app(nats_server: NatsServerProcess, keys: dict[str, str]) -> Litestar:
    settings = GatewaySettings(
        nats_url=nats_server.url,
        identity_public_key=keys["IDENTITY_PUBLIC_KEY"],
        identity_jwt_public_key=keys["IDENTITY_JWT_PUBLIC_KEY"],
        request_timeout_seconds=1.0,
    )
    return create_app(settings)


@pytest.fixture
async def http(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway served over real HTTP in this event loop, up once it can judge tokens."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        await until(lambda: server.started)
        await until(lambda: app.dependencies["authentication"].dependency().revoked.synced)
        await until(lambda: cache_of(app).live)
        yield client
    server.should_exit = True
    await serving


@pytest.fixture
def token(keys: dict[str, str]) -> dict[str, str]:
    issued = AccessTokenIssuer(
        keys["IDENTITY_JWT_PRIVATE_KEY"], 900, lambda: datetime.now(UTC)
    ).issue(user_id=USER, environment_id=ENVIRONMENT, session_id=uuid.uuid4(), role="admin")
    return {"Authorization": f"Bearer {issued}"}


def cache_of(app: Litestar) -> Any:
    return app.dependencies["profiles"].dependency().cache


async def name_on_me(http: httpx.AsyncClient, token: dict[str, str]) -> str:
    answer = await http.get("/api/v1/me", headers=token)
    assert answer.status_code == 200, answer.text
    name: str = answer.json()["full_name"]
    return name


async def test_me_is_answered_from_the_cache_until_identity_says_the_profile_changed(
    app: Litestar, http: httpx.AsyncClient, identity: Identity, token: dict[str, str]
) -> None:
    assert [await name_on_me(http, token) for _ in range(5)] == ["Anna de Vries"] * 5
    assert identity.asked == 1

    # News about someone else changes nothing here.
    await identity.publish("ProfileChanged", uuid.uuid4(), changed=["language"])
    await asyncio.sleep(0.2)
    assert await name_on_me(http, token) == "Anna de Vries"
    assert identity.asked == 1

    # Identity changes the name (another gateway, another route): promptly visible here.
    await identity.rename("Anna Jansen")
    names: list[str] = []
    for _ in range(100):
        names.append(await name_on_me(http, token))
        if names[-1] == "Anna Jansen":
            break
        await asyncio.sleep(0.02)
    assert names[-1] == "Anna Jansen", names
    assert identity.asked == 2
    await name_on_me(http, token)
    assert identity.asked == 2, "and cached again"

    # A membership granted to the user counts too.
    await identity.publish("MembershipGranted", USER, organisation_id=str(uuid.uuid4()))
    await until(lambda: cache_of(app).get(USER) is None, timeout=2.0)


async def test_after_nats_was_away_nothing_from_before_is_served(
    app: Litestar,
    http: httpx.AsyncClient,
    identity: Identity,
    token: dict[str, str],
    nats_server: NatsServerProcess,
) -> None:
    assert await name_on_me(http, token) == "Anna de Vries"
    assert identity.asked == 1

    nats_server.stop()
    await until(lambda: not cache_of(app).live)
    assert cache_of(app).get(USER) is None
    # Identity's change made while the gateway could not hear it: its event is lost.
    await identity.rename("Anna Jansen", publish=False)
    away = await http.get("/api/v1/me", headers=token)
    assert away.status_code == 503, "no stale profile while identity cannot be reached"

    nats_server.start()
    await until(lambda: cache_of(app).live, timeout=20.0)
    await until(lambda: identity.nc is not None and identity.nc.is_connected, timeout=20.0)
    assert await name_on_me(http, token) == "Anna Jansen"
    assert identity.asked == 2
    assert await name_on_me(http, token) == "Anna Jansen"
    assert identity.asked == 2, "cached again once the subscription is back"


async def test_an_invitation_accepted_through_this_gateway_is_read_back_at_once(
    app: Litestar, http: httpx.AsyncClient, identity: Identity, token: dict[str, str]
) -> None:
    assert (await http.get("/api/v1/me", headers=token)).json()["roles"]["organisations"] == []
    assert identity.asked == 1
    accepted = await http.post(
        "/api/v1/invitations/accept",
        json={"token": "t" * 43, "password": "a long enough passphrase", "full_name": "Anna"},
    )
    assert accepted.status_code == 201, accepted.text
    # No event has come (identity's relay could lag); the gateway forgot Anna when it saw the
    # answer to the command it carried.
    organisations = (await http.get("/api/v1/me", headers=token)).json()["roles"]["organisations"]
    assert organisations == [identity.grant.model_dump(mode="json")]
    assert identity.asked == 2

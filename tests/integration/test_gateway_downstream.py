"""When a service is missing or slow, the gateway says so in problem+json (503/504), not a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import nats
import pytest
import uvicorn
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings

REGISTRATION = {"email": "a@example.nl", "password": "correct horse battery", "full_name": "A"}


@pytest.fixture
async def gateway(nats_server: NatsServerProcess, keys: dict[str, str]) -> AsyncIterator[str]:
    """The real gateway over real HTTP, with no services behind it."""
    settings = GatewaySettings(
        nats_url=nats_server.url,
        identity_public_key=keys["IDENTITY_PUBLIC_KEY"],
        identity_jwt_public_key=keys["IDENTITY_JWT_PUBLIC_KEY"],
        request_timeout_seconds=0.5,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                if (await client.get(f"{base}/health")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        # Wait until the gateway's background NATS connection is up.
        for _ in range(100):
            if (await client.get(f"{base}/ready")).json().get("nats"):
                break
            await asyncio.sleep(0.05)
    yield base
    server.should_exit = True
    await task


async def test_no_service_answering_is_a_503_problem_with_retry_advice(gateway: str) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{gateway}/api/v1/registrations", json=REGISTRATION)
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["retry-after"]
        assert answer.json()["type"] == "urn:problem:service-unavailable"
        ready = await client.get(f"{gateway}/ready")
        assert ready.status_code == 503
        assert ready.json()["services"]["identity"]["ready"] is False


async def test_a_service_that_does_not_answer_in_time_is_a_504_problem(
    gateway: str, nats_server: NatsServerProcess
) -> None:
    nc = await nats.connect(nats_server.url)

    async def never_reply(message: nats.aio.msg.Msg) -> None:
        return None

    await nc.subscribe("cmd.identity.register", cb=never_reply)
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{gateway}/api/v1/registrations", json=REGISTRATION)
        assert answer.status_code == 504
        assert answer.json()["type"] == "urn:problem:service-timeout"
    finally:
        await nc.close()


async def test_with_nats_down_the_gateway_still_answers_health_and_says_not_ready(
    gateway: str, nats_server: NatsServerProcess
) -> None:
    nats_server.stop()
    async with httpx.AsyncClient() as client:
        await asyncio.sleep(0.5)
        assert (await client.get(f"{gateway}/health")).status_code == 200
        ready = await client.get(f"{gateway}/ready")
        assert ready.status_code == 503 and ready.json()["nats"] is False
        answer = await client.post(f"{gateway}/api/v1/registrations", json=REGISTRATION)
        assert answer.status_code == 503
        nats_server.start()
        for _ in range(100):
            if (await client.get(f"{gateway}/ready")).json()["nats"]:
                break
            await asyncio.sleep(0.1)
        assert (await client.get(f"{gateway}/ready")).json()["nats"] is True

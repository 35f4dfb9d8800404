"""Timeouts and refused connections over real sockets, not only through a mock transport."""

from __future__ import annotations

import asyncio
import time

import pytest
from devstack import free_port
from organisation.kvk import HttpKvkRegister, KvkUnavailable, register_from_settings
from organisation.settings import OrganisationSettings


async def test_a_register_that_accepts_but_never_answers_times_out_in_time() -> None:
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await done.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    register = HttpKvkRegister(f"http://127.0.0.1:{port}/api", "key", timeout_seconds=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(KvkUnavailable) as unavailable:
            await register.profile("69599084")
        assert time.monotonic() - started < 5
        assert unavailable.value.code == "kvk_timeout"
        assert "0.3 s" in unavailable.value.detail
        assert unavailable.value.retry_after == 30
    finally:
        await register.aclose()
        done.set()
        server.close()
        await server.wait_closed()


async def test_a_register_nobody_listens_for_is_unreachable() -> None:
    register = HttpKvkRegister(f"http://127.0.0.1:{free_port()}/api", "key", timeout_seconds=2)
    try:
        with pytest.raises(KvkUnavailable) as unavailable:
            await register.search(name="bakkerij")
        assert unavailable.value.code == "kvk_unreachable"
    finally:
        await register.aclose()


async def test_the_configured_key_and_base_url_reach_the_register(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []
    body = b'{"fout": [{"code": "IPD5200", "omschrijving": "Geen resultaten."}]}'

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        head = f"HTTP/1.1 404 Not Found\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"Content-Type: application/json\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(record, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("KVK_BASE_URL", f"http://127.0.0.1:{port}/test/api")
    monkeypatch.setenv("KVK_API_KEY", "secret-key")
    register = register_from_settings(OrganisationSettings())
    try:
        assert await register.search(name="bakkerij", place="Utrecht") == []
    finally:
        await register.aclose()
        server.close()
        await server.wait_closed()
    request = seen[0].decode().lower()
    assert request.startswith("get /test/api/v2/zoeken?naam=bakkerij&plaats=utrecht&pagina=1&")
    assert "\r\napikey: secret-key\r\n" in request

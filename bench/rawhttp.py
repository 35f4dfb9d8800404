"""A lean HTTP/1.1 client for the measured phases: keep-alive JSON POSTs over asyncio streams.

On a 2-core machine the load generator competes with the system it measures: httpx spends a
few milliseconds of CPU per request, this client a small fraction of that. It speaks just
enough HTTP for the gateway's answers (Content-Length or chunked bodies).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class NoAnswer(ConnectionError):
    """The connection ended before a status line came back."""


# uvicorn closes a keep-alive connection after 5 s idle; never reuse one that old.
IDLE_LIMIT = 4.0


class RawClient:
    """POST JSON to one origin over at most `connections` keep-alive connections."""

    def __init__(self, base_url: str, connections: int) -> None:
        url = urlsplit(base_url)
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port or 80
        self._gate = asyncio.Semaphore(connections)
        self._idle: list[tuple[float, Connection]] = []

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        """Status and body of one POST; a broken connection raises OSError."""
        async with self._gate:
            connection = self._reusable()
            if connection is not None:
                try:
                    return await self._on(connection, path, body)
                except NoAnswer:
                    pass  # closed by the server while idle: like any client, send once more
            return await self._on(await self._connect(), path, body)

    def _reusable(self) -> Connection | None:
        while self._idle:
            since, connection = self._idle.pop()
            if time.monotonic() - since < IDLE_LIMIT:
                return connection
            connection[1].close()
        return None

    async def _on(
        self, connection: Connection, path: str, body: dict[str, Any]
    ) -> tuple[int, bytes]:
        reader, writer = connection
        try:
            status, data, keep = await self._exchange(reader, writer, path, body)
        except BaseException:
            writer.close()
            raise
        if keep:
            self._idle.append((time.monotonic(), connection))
        else:
            writer.close()
        return status, data

    async def _connect(self) -> Connection:
        return await asyncio.open_connection(self._host, self._port)

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        path: str,
        body: dict[str, Any],
    ) -> tuple[int, bytes, bool]:
        payload = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        writer.write(head.encode() + payload)
        try:
            status_line = await reader.readuntil(b"\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            raise NoAnswer(str(error)) from error
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get("transfer-encoding") == "chunked":
            data = await _chunks(reader)
        else:
            data = await reader.readexactly(int(headers.get("content-length", "0")))
        return status, data, headers.get("connection") != "close"

    async def aclose(self) -> None:
        """Close every idle connection."""
        for _, (_, writer) in self._idle:
            writer.close()
        self._idle.clear()


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    data = b""
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        data += await reader.readexactly(size)
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return data

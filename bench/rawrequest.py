"""The lean keep-alive client of bench/rawhttp, for any method with headers (GET with a token).

`RawClient` only POSTs JSON; bench/identity also GETs with `Authorization`. This subclass
reuses its connection pool and response parsing and only writes another request head, so the
login phase (POST) and the GET phases cost the client the same small CPU per request.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bench.rawhttp import NoAnswer, RawClient, _chunks


class RequestClient(RawClient):
    """GET or POST to one origin over at most `connections` keep-alive connections."""

    def __init__(self, base_url: str, connections: int) -> None:
        super().__init__(base_url, connections)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Status and body of one GET."""
        return await self._request("GET", path, None, headers or {})

    async def post_with(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Status and body of one JSON POST with extra headers."""
        return await self._request("POST", path, body, headers or {})

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        async with self._gate:
            connection = self._reusable()
            if connection is not None:
                try:
                    return await self._send(connection, method, path, body, headers)
                except NoAnswer:
                    pass  # closed by the server while idle: send once more
            return await self._send(await self._connect(), method, path, body, headers)

    async def _send(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        reader, writer = connection
        try:
            status, data, keep = await self._exchange_any(
                reader, writer, method, path, body, headers
            )
        except BaseException:
            writer.close()
            raise
        if keep:
            self._idle.append((time.monotonic(), connection))
        else:
            writer.close()
        return status, data

    async def _exchange_any(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes, bool]:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        try:
            status_line = await reader.readuntil(b"\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            raise NoAnswer(str(error)) from error
        status = int(status_line.split()[1])
        found: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            found[name.strip().lower()] = value.strip().lower()
        if found.get("transfer-encoding") == "chunked":
            data = await _chunks(reader)
        else:
            data = await reader.readexactly(int(found.get("content-length", "0")))
        return status, data, found.get("connection") != "close"

"""A local HTTP endpoint that receives webhook deliveries (tests and benchmarks).

`python -m devstack.webhook_sink <port>` runs one as its own process; `GET /count` answers how
many deliveries it has taken.

Plain asyncio HTTP/1.1 with keep-alive, so it costs little next to what it measures. It keeps
every request it got and answers what it is told: `answers` maps a path to a list of planned
answers (a status code, or ("sleep", seconds) before a 200) used one per request, then 200.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from devstack.ports import LOCALHOST, free_port

Plan = int | tuple[str, float]


@dataclass
class Received:
    """One request as it arrived."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookSink:
    """Receives POSTs on 127.0.0.1:<port>; `received` lists them in arrival order."""

    port: int = field(default_factory=free_port)
    keep: bool = True
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[Plan]] = field(default_factory=dict)
    count: int = 0
    _server: asyncio.Server | None = None
    _connections: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str = "/hook") -> str:
        """The URL of a path on this sink."""
        return f"http://{LOCALHOST}:{self.port}{path}"

    def on(self, path: str) -> list[Received]:
        """What arrived on one path."""
        return [r for r in self.received if r.path == path]

    async def start(self) -> None:
        """Listen."""
        self._server = await asyncio.start_server(self._serve, LOCALHOST, self.port)

    async def stop(self) -> None:
        """Stop listening and close connections."""
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.cancel()
            if self._connections:
                await asyncio.wait(self._connections, timeout=2)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if method == "GET" and path == "/count":  # for a sink in another process
                    text = str(self.count).encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(text), text)
                    )
                    await writer.drain()
                    continue
                self.count += 1
                if self.keep:  # on arrival, even when the answer comes too late
                    self.received.append(Received(method, path, headers, body))
                plan = self.answers.get(path)
                answer: Plan = plan.pop(0) if plan else 200
                if isinstance(answer, tuple):
                    await asyncio.sleep(answer[1])
                    answer = 200
                writer.write(
                    f"HTTP/1.1 {answer} X\r\ncontent-length: 2\r\n\r\nok".encode("latin-1")
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()


async def _serve_forever(port: int) -> None:
    sink = WebhookSink(port=port, keep=False)
    await sink.start()
    print(f"webhook sink on {sink.url('/')}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(int(sys.argv[1])))

"""The gateway's NATS connection, made in the background: HTTP answers even while NATS is down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

import nats
import structlog
from contracts.commands.base import Command, Reply
from nats.aio.client import Client
from nats.errors import SlowConsumerError
from servicekit.rpc import Refused, RpcClient, ServiceTimeout, ServiceUnavailable

from gateway.problems import Problem

log = structlog.get_logger(__name__)

R = TypeVar("R", bound=Reply)


class ConnectionWatcher(Protocol):
    """Told when messages for the gateway's subscriptions may have gone unseen."""

    def connection_lost(self) -> None:
        """Disconnected (or closed): whatever is published now does not reach us."""

    def connection_restored(self) -> None:
        """Reconnected, and every subscription is registered with the server again."""

    def messages_dropped(self, subject: str) -> None:
        """NATS dropped messages for a subscription that did not keep up (slow consumer)."""


class Bus:
    """Connects to NATS (retrying for as long as it takes) and sends commands to services."""

    def __init__(self, servers: list[str], timeout: float) -> None:
        self._servers = servers
        self._timeout = timeout
        self._nc: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._hooks: list[Callable[[Client], Coroutine[Any, Any, None]]] = []
        self._background: list[asyncio.Task[None]] = []
        self._watchers: list[ConnectionWatcher] = []
        self._answered: list[Callable[[Command, Reply], None]] = []

    def when_connected(self, hook: Callable[[Client], Coroutine[Any, Any, None]]) -> None:
        """Run `hook(connection)` in the background once connected, until the gateway stops."""
        self._hooks.append(hook)

    def watch_connection(self, watcher: ConnectionWatcher) -> None:
        """Tell `watcher` whenever messages may go unseen, and when they flow again."""
        self._watchers.append(watcher)

    def when_answered(self, listener: Callable[[Command, Reply], None]) -> None:
        """Call `listener(command, reply)` after every command a service carried out."""
        self._answered.append(listener)

    async def start(self) -> None:
        """Begin connecting; returns at once."""
        self._task = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        delay = 0.2
        while True:
            try:
                # Unlimited reconnects: nats-py's default gives up after about two minutes.
                self._nc = await nats.connect(
                    servers=self._servers,
                    name="gateway",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=2,
                    allow_reconnect=True,
                    disconnected_cb=self._disconnected,
                    reconnected_cb=self._reconnected,
                    closed_cb=self._disconnected,
                    error_cb=self._error,
                )
                log.info("connected to NATS", servers=self._servers)
                connection = self._nc
                self._background = [asyncio.create_task(hook(connection)) for hook in self._hooks]
                return
            except Exception as error:
                log.warning("NATS not reachable yet; retrying", error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _disconnected(self) -> None:
        for watcher in self._watchers:
            watcher.connection_lost()

    async def _reconnected(self) -> None:
        # nats-py has re-sent every SUB and flushed (PING/PONG) before it calls this.
        log.info("reconnected to NATS")
        for watcher in self._watchers:
            watcher.connection_restored()

    async def _error(self, error: Exception) -> None:
        if isinstance(error, SlowConsumerError):
            for watcher in self._watchers:
                watcher.messages_dropped(error.subject)
        log.warning("NATS connection error", error=repr(error))

    async def stop(self) -> None:
        """Close the connection."""
        if self._task is not None:
            self._task.cancel()
        for task in self._background:
            task.cancel()
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.drain()

    @property
    def connected(self) -> bool:
        """Whether NATS answers right now."""
        return self._nc is not None and self._nc.is_connected

    @property
    def client(self) -> Client:
        """The connection; Problem 503 when there is none yet."""
        if self._nc is None or not self._nc.is_connected:
            raise _unavailable("The message bus is not reachable.")
        return self._nc

    async def call(
        self, command: Command, result_model: type[R], timeout: float | None = None
    ) -> R:
        """Send a command; refusals and transport failures become Problems."""
        try:
            reply = await RpcClient(self.client, self._timeout).call(command, result_model, timeout)
        except Refused as refusal:
            raise Problem.from_reply(refusal.problem) from refusal
        except ServiceUnavailable as error:
            raise _unavailable(str(error)) from error
        except ServiceTimeout as error:
            raise Problem(
                504,
                "urn:problem:service-timeout",
                "The service did not answer in time",
                f"{error}. The request may still complete; retry safely or check its result.",
            ) from error
        for listener in self._answered:
            listener(command, reply)
        return reply

    async def request_raw(self, subject: str, timeout: float = 1.0) -> bytes | None:
        """A query without a contract (readiness, metrics); None when nobody answers."""
        if not self.connected:
            return None
        try:
            assert self._nc is not None
            response = await self._nc.request(subject, b"", timeout=timeout)
        except Exception:
            return None
        return bytes(response.data)


def _unavailable(detail: str) -> Problem:
    return Problem(
        503,
        "urn:problem:service-unavailable",
        "The service is not available right now",
        f"{detail} Nothing was changed; please retry shortly.",
        headers={"Retry-After": "5"},
    )

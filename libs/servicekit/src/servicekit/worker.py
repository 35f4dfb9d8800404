"""One service process: a faststream app on NATS with its background loops and a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog
from contracts.commands.health import Readiness
from eventsourcing.application import Application
from faststream import FastStream
from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from nats.js import JetStreamContext
from prometheus_client import generate_latest

from servicekit import metrics
from servicekit.consumer import EventConsumer
from servicekit.eventstore import SharedDatabase
from servicekit.executor import StoreExecutor
from servicekit.lease import Lease
from servicekit.logs import configure_logging
from servicekit.readmodels import (
    ReadModel,
    Rebuilder,
    RebuildRequest,
    RebuildStatus,
    read_models_subject,
    rebuild_subject,
)
from servicekit.relay import OutboxRelay, ToEnvelope
from servicekit.settings import CommonSettings
from servicekit.streams import EVENTS_STREAM, JETSTREAM_NOT_READY, declare_streams
from servicekit.tracing import configure_tracing, shutdown_tracing

log = structlog.get_logger(__name__)

Check = Callable[[], Awaitable[bool]]


def metrics_subject(context: str) -> str:
    """Where a service answers with its Prometheus metrics (the gateway gathers them)."""
    return f"qry.{context}.metrics"


class ServiceWorker:
    """Runs a service's subscribers and loops; rides out NATS outages with unlimited reconnects."""

    def __init__(self, context: str, settings: CommonSettings) -> None:
        self.context = context
        self.settings = settings
        configure_logging(context, settings.log_format, settings.log_level)
        configure_tracing(context, settings.otel_exporter_otlp_endpoint)
        # nats-py gives up after ~2 minutes by default; a service must outlast any outage.
        self.broker = NatsBroker(
            settings.nats_servers,
            name=context,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=2,
            graceful_timeout=10.0,
            # Per-message logs at DEBUG: one line per event would drown the useful ones.
            log_level=logging.DEBUG,
        )
        self.app = FastStream(
            self.broker,
            # Our own "service ready/stopped" lines say it in the service's log format.
            logger=None,
            after_startup=[self._start_loops],
            on_shutdown=[self._stop_loops],
        )
        self._loops: list[tuple[Callable[[], Coroutine[Any, Any, None]], Callable[[], None]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._checks: dict[str, Check] = {"nats": self._nats_connected}
        self._started: list[Callable[[JetStreamContext], Awaitable[None] | None]] = []
        self._consumers: list[EventConsumer] = []
        self._rebuilders: dict[str, Rebuilder] = {}
        self._serve_health()

    @property
    def js(self) -> JetStreamContext:
        """The JetStream context of the running broker."""
        stream: JetStreamContext = self.broker.config.connection_state.stream
        return stream

    def add_loop(
        self, run: Callable[[], Coroutine[Any, Any, None]], stop: Callable[[], None]
    ) -> None:
        """Run `run()` while the service lives; `stop()` asks it to finish on shutdown."""
        self._loops.append((run, stop))

    def add_check(self, name: str, check: Check) -> None:
        """A readiness check (the store answers, ...) reported on qry.<context>.ready."""
        self._checks[name] = check

    def on_connected(self, hook: Callable[[JetStreamContext], Awaitable[None] | None]) -> None:
        """Called with the JetStream context once connected, before the loops start."""
        self._started.append(hook)

    def publish_from(
        self, app: Application[Any], executor: StoreExecutor, to_envelope: ToEnvelope
    ) -> Callable[[], None]:
        """Relay this service's event store to JetStream; report the store in readiness.

        Returns the function to call after a save, so the relay publishes at once.
        """
        relays: list[OutboxRelay] = []
        database = SharedDatabase(app)

        def start(js: JetStreamContext) -> None:
            seconds = self.settings.replica_lease_seconds
            lease = (
                Lease(js, f"relay-{self.context}", seconds, self.settings.stream_replicas)
                if seconds > 0
                else None
            )
            relay = OutboxRelay(
                name=self.context,
                app=app,
                executor=executor,
                js=js,
                to_envelope=to_envelope,
                lease=lease,
            )
            relays.append(relay)
            self.add_loop(relay.run, relay.stop)

        async def store_answers() -> bool:
            answers: bool = await executor.run_alone(database.ping)
            return answers

        def wake() -> None:
            for relay in relays:
                relay.wake()

        self.on_connected(start)
        self.add_check("event_store", store_answers)
        return wake

    def consume(self, consumer: EventConsumer) -> None:
        """Run a durable event consumer while the service lives."""
        consumer.use_lease(self.settings.replica_lease_seconds, self.settings.stream_replicas)
        self._consumers.append(consumer)
        self.on_connected(consumer.bind_jetstream)
        self.add_loop(consumer.run, consumer.stop)

    def read_model(
        self, model: ReadModel, database: SharedDatabase, executor: StoreExecutor
    ) -> None:
        """Offer `model` for rebuilding from the stream (cmd.<context>.rebuild, /ops)."""
        if not self._rebuilders:
            self._serve_rebuilds()
        self._rebuilders[model.name] = Rebuilder(
            model,
            database,
            executor,
            database.engine,
            lease_seconds=self.settings.read_model_rebuild_lease_seconds,
        )

    def _serve_rebuilds(self) -> None:
        worker = self
        tasks: set[asyncio.Task[RebuildStatus]] = set()

        @self.broker.subscriber(rebuild_subject(self.context), queue=self.context)
        async def rebuild(message: NatsMessage) -> bytes:
            try:
                request = RebuildRequest.model_validate_json(message.body)
                rebuilder = worker._rebuilders[request.model]
            except (ValueError, KeyError):
                known = ", ".join(sorted(worker._rebuilders))
                return f'{{"error": "no such read model; known: {known}"}}'.encode()
            # Claimed in the database: a rebuild running on another replica is reported.
            if not await rebuilder.claim():
                return (await rebuilder.current()).model_dump_json().encode()
            task = asyncio.create_task(rebuilder.rebuild(worker.js))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            return rebuilder.status.model_dump_json().encode()

        @self.broker.subscriber(read_models_subject(self.context), queue=self.context)
        async def read_models(message: NatsMessage) -> bytes:
            # From the database: whichever replica runs or ran a rebuild, every one answers it.
            statuses = [
                (await r.current()).model_dump(mode="json") for r in worker._rebuilders.values()
            ]
            return json.dumps(statuses).encode()

    async def run(self) -> None:
        """Connect (waiting for NATS as long as it takes), then serve until SIGINT/SIGTERM."""
        delay = 0.5
        while True:
            try:
                await self.broker.connect()
                break
            except Exception as error:
                log.warning("NATS not reachable yet; retrying", error=repr(error), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        await declare_streams(self.js, self.settings.stream_replicas)
        for hook in self._started:
            await self._call_when_jetstream_answers(hook)
        log.info("service starting", nats=self.settings.nats_url)
        await self.app.run()

    async def _call_when_jetstream_answers(
        self, hook: Callable[[JetStreamContext], Awaitable[None] | None]
    ) -> None:
        """Run a start-up hook; while JetStream cannot answer yet (a cluster electing a leader
        after a node's loss), wait and run it again rather than exit with a replica fewer.

        Hooks fail, if at all, at their first JetStream call, before they change anything.
        """
        delay = 0.5
        while True:
            try:
                result = hook(self.js)
                if result is not None:
                    await result
                return
            except JETSTREAM_NOT_READY as error:
                log.warning("JetStream not ready; retrying", error=repr(error), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def readiness(self) -> Readiness:
        """Every check's answer; ready only when all pass."""
        checks = {}
        for name, check in self._checks.items():
            try:
                checks[name] = bool(await asyncio.wait_for(check(), timeout=2.0))
            except Exception:
                checks[name] = False
        return Readiness(service=self.context, ready=all(checks.values()), checks=checks)

    async def _nats_connected(self) -> bool:
        return bool(self.broker.config.connection_state.connection.is_connected)

    def _serve_health(self) -> None:
        worker = self

        @self.broker.subscriber(f"qry.{self.context}.ready", queue=self.context)
        async def ready(message: NatsMessage) -> bytes:
            return (await worker.readiness()).model_dump_json().encode()

        @self.broker.subscriber(metrics_subject(self.context), queue=self.context)
        async def prometheus(message: NatsMessage) -> bytes:
            await worker._measure_consumer_lag()
            return generate_latest()

    async def _measure_consumer_lag(self) -> None:
        """Ask JetStream how far each of this service's durable consumers is behind."""
        for consumer in self._consumers:
            try:
                info = await asyncio.wait_for(
                    self.js.consumer_info(EVENTS_STREAM, consumer.durable), timeout=1.0
                )
            except Exception as error:
                # Not created yet, or NATS is away: keep the last figure.
                log.debug("consumer lag unknown", consumer=consumer.durable, error=repr(error))
                continue
            metrics.CONSUMER_LAG.labels(EVENTS_STREAM, consumer.durable).set(info.num_pending or 0)
            metrics.CONSUMER_ACK_PENDING.labels(EVENTS_STREAM, consumer.durable).set(
                info.num_ack_pending or 0
            )

    async def _start_loops(self) -> None:
        for run, _stop in self._loops:
            self._tasks.append(asyncio.create_task(run()))
        log.info("service ready")

    async def _stop_taking_requests(self) -> None:
        """No more requests routed here; those already on their way are still answered.

        faststream's own stop first stops handling and only then unsubscribes: meanwhile the
        server kept routing requests to this replica, and they were dropped (their callers
        waited for their timeout). Draining first hands new requests to the other replicas.
        """

        async def drain(subscriber: Any) -> None:
            subscription = subscriber.subscription
            # Only the server's side: nats-py's own drain() also ends local processing, and
            # processes that had requests in hand died of the SIGTERM after stopping.
            with contextlib.suppress(Exception):
                await subscription._conn._send_unsubscribe(subscription._id)
                await subscription._conn.flush()
            # What arrived before the server heard it is still answered (faststream's queue).
            queue = getattr(subscriber, "receive_stream", None)
            for _ in range(1000):
                waiting = subscription.pending_msgs
                if queue is not None:
                    waiting += queue.statistics().current_buffer_used
                if not waiting:
                    return
                await asyncio.sleep(0.01)

        subscribers = [
            s for s in self.broker.subscribers if getattr(s, "subscription", None) is not None
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(drain(s) for s in subscribers)), 10.0)

    async def _stop_loops(self) -> None:
        await self._stop_taking_requests()
        for _run, stop in self._loops:
            stop()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=10.0)
            for task in pending:
                task.cancel()
        shutdown_tracing()
        log.info("service stopped")

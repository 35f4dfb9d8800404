"""The reference rates, measured in the same run: the bare event store, bare JetStream, argon2."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
from argon2 import PasswordHasher
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from nats.js.api import StorageType, StreamConfig
from servicekit.eventstore import store_environment
from servicekit.streams import DUPLICATE_WINDOW_SECONDS


class Counter(Aggregate):
    """One aggregate that records one small event per save."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.count = 0

    @event("Counted")
    def count_one(self, at: str) -> None:
        """One event."""
        self.count += 1


@dataclass(frozen=True)
class StoreReference:
    """Reference A: eventsourcing on a fresh SQLite file, one event per save."""

    saves: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Saves (= events) per second."""
        return self.saves / self.seconds


def event_store_saves(saves: int, warmup: int = 100) -> StoreReference:
    """Create one aggregate, then save one `@event` method call at a time."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        app: Application[uuid.UUID] = Application(store_environment(f"sqlite:///{tmp}/events.db"))
        counter = Counter("bench")
        app.save(counter)
        for _ in range(warmup):
            counter.count_one(datetime.now(UTC).isoformat())
            app.save(counter)
        start = time.perf_counter()
        for _ in range(saves):
            counter.count_one(datetime.now(UTC).isoformat())
            app.save(counter)
        seconds = time.perf_counter() - start
        app.close()
    return StoreReference(saves, seconds)


@dataclass(frozen=True)
class JetStreamReference:
    """Reference B: publishes to a file stream, like the relay's (Nats-Msg-Id, named stream)."""

    awaited: int
    awaited_seconds: float
    pipelined: int
    pipelined_seconds: float
    batch: int
    payload_bytes: int

    @property
    def awaited_per_second(self) -> float:
        """Publishes per second when each PubAck is awaited before the next publish."""
        return self.awaited / self.awaited_seconds

    @property
    def pipelined_per_second(self) -> float:
        """Publishes per second when a batch's PubAcks are awaited together."""
        return self.pipelined / self.pipelined_seconds


def _sample_payload() -> bytes:
    # About the size of an EmailVerified envelope on the EVENTS stream.
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "source": "/services/identity",
            "type": "EmailVerified",
            "specversion": "1.0",
            "time": datetime.now(UTC).isoformat(),
            "subject": str(uuid.uuid4()),
            "datacontenttype": "application/json",
            "dataversion": 1,
            "data": {
                "user_id": str(uuid.uuid4()),
                "environment_id": str(uuid.uuid4()),
                "email": "bench-000000@example.nl",
                "verified_at": datetime.now(UTC).isoformat(),
            },
            "environmentid": str(uuid.uuid4()),
            "sequence": 3,
            "correlationid": uuid.uuid4().hex,
        }
    ).encode()


async def _publish_all(url: str, awaited: int, pipelined: int, batch: int) -> JetStreamReference:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(
            StreamConfig(
                name="BENCH",
                subjects=["bench.>"],
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
        )
        payload = _sample_payload()

        async def publish() -> None:
            headers = {"Nats-Msg-Id": str(uuid.uuid4())}
            await js.publish("bench.event", payload, stream="BENCH", headers=headers)

        for _ in range(200):  # warm-up
            await publish()
        start = time.perf_counter()
        for _ in range(awaited):
            await publish()
        awaited_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for offset in range(0, pipelined, batch):
            await asyncio.gather(*(publish() for _ in range(min(batch, pipelined - offset))))
        pipelined_seconds = time.perf_counter() - start
    finally:
        await nc.close()
    return JetStreamReference(
        awaited, awaited_seconds, pipelined, pipelined_seconds, batch, len(payload)
    )


def jetstream_publishes(awaited: int, pipelined: int, batch: int = 500) -> JetStreamReference:
    """Publish to a throwaway stream on a nats-server of our own, then stop it."""
    with tempfile.TemporaryDirectory(prefix="bench-nats-") as tmp:
        server = NatsServerProcess(
            Path(tmp) / "store", port=free_port(), log_file=Path(tmp) / "nats.log"
        )
        server.start()
        try:
            return asyncio.run(_publish_all(server.url, awaited, pipelined, batch))
        finally:
            server.stop(10.0)


@dataclass(frozen=True)
class Argon2Reference:
    """How long one password hash takes with given parameters."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int
    mean_ms: float
    hashes: int


def argon2_hash_time(
    time_cost: int, memory_cost_kib: int, parallelism: int, hashes: int
) -> Argon2Reference:
    """Mean wall time of `hashes` sequential hashes (nothing else running)."""
    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
    )
    hasher.hash("warm up the allocator")
    start = time.perf_counter()
    for i in range(hashes):
        hasher.hash(f"correct horse battery staple {i}")
    mean_ms = (time.perf_counter() - start) / hashes * 1000.0
    return Argon2Reference(time_cost, memory_cost_kib, parallelism, mean_ms, hashes)

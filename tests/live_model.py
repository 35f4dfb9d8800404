"""Invoicing's organisations read model, live: a store, its tables and the durable consumer
that keeps them, on a real nats-server (for the rebuild tests)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
from invoicing.application import InvoicingApplication
from invoicing.projections import organisations as organisation_events
from invoicing.projections.organisation_batches import READ_MODEL
from invoicing.state.tables import create_state_tables
from nats.js import JetStreamContext
from servicekit.consumer import EventConsumer
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.streams import declare_streams
from servicekit.tables import create_bookkeeping_tables


@dataclass(frozen=True)
class LiveModel:
    """What a test needs to feed the model, rebuild it and look at it."""

    js: JetStreamContext
    database: SharedDatabase
    executor: StoreExecutor


@contextlib.asynccontextmanager
async def live_organisations_model(
    nats_url: str, database_url: str, name: str = "rebuild-test"
) -> AsyncIterator[LiveModel]:
    """The model's tables with its live consumer running, until the block ends."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await declare_streams(js)
    database = SharedDatabase(InvoicingApplication(store_environment(database_url)))
    create_state_tables(database.engine)
    create_bookkeeping_tables(database.engine)
    executor = StoreExecutor(name, database)
    live = EventConsumer(
        durable=READ_MODEL.consumer,
        subject=organisation_events.SUBJECT,
        database=database,
        executor=executor,
        effect=READ_MODEL.apply,
    )
    live.bind_jetstream(js)
    running = asyncio.create_task(live.run())
    try:
        yield LiveModel(js, database, executor)
    finally:
        live.stop()
        await running
        executor.shutdown()
        await nc.close()

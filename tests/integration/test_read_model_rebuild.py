"""A read model rebuilt from the stream while its live consumer keeps working: nothing is lost,
nothing applied twice, and on a quiet system the rebuilt model equals the live one; on SQLite
and on PostgreSQL, against a real nats-server."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from devstack.nats import NatsServerProcess
from invoicing.application import InvoicingApplication
from invoicing.projections import organisations as organisation_events
from invoicing.projections.organisation_batches import READ_MODEL
from invoicing.state.tables import (
    create_state_tables,
    known_organisations,
    organisation_identifiers,
)
from servicekit.consumer import EventConsumer
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.readmodels import Rebuilder
from servicekit.streams import declare_streams
from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import select

from bench.rebuild import fill_stream, organisation_envelopes, wait_until_applied

MODEL = READ_MODEL


def _model(database: SharedDatabase) -> dict[str, Any]:
    with database.transaction(commit=False) as session:
        organisations = {
            row.organisation_id: row.status for row in session.execute(select(known_organisations))
        }
        identifiers = sorted(
            tuple(row) for row in session.execute(select(organisation_identifiers))
        )
    return {"organisations": organisations, "identifiers": identifiers}


async def test_a_rebuild_under_load_loses_nothing_and_equals_the_live_model_when_quiet(
    nats_server: NatsServerProcess, database_url: str
) -> None:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await declare_streams(js)
    app = InvoicingApplication(store_environment(database_url))
    database = SharedDatabase(app)
    create_state_tables(database.engine)
    create_bookkeeping_tables(database.engine)
    executor = StoreExecutor("rebuild-test", database)
    live = EventConsumer(
        durable=MODEL.consumer,
        subject=organisation_events.SUBJECT,
        database=database,
        executor=executor,
        effect=MODEL.apply,
    )
    live.bind_jetstream(js)
    running = asyncio.create_task(live.run())
    try:
        await fill_stream(js, organisation_envelopes(150))
        await wait_until_applied(js, MODEL.consumer)
        rebuilder = Rebuilder(MODEL, database, executor, database.engine)

        # Rebuild while more organisations arrive and the live consumer applies them.
        more = organisation_envelopes(100)
        rebuilt, _ = await asyncio.gather(rebuilder.rebuild(js), fill_stream(js, more))
        assert rebuilt.state == "done", rebuilt
        assert rebuilt.events >= 300
        await wait_until_applied(js, MODEL.consumer)
        model = _model(database)
        assert len(model["organisations"]) == 250
        assert set(model["organisations"].values()) == {"active"}
        assert len(model["identifiers"]) == 250  # one KvK id each, none twice

        # Quiet now: the rebuilt model is the live one, row for row.
        again = await rebuilder.rebuild(js)
        assert again.state == "done" and again.matches_live is True, again
        assert again.differences == 0 and again.rows == 500
        assert _model(database) == model
    finally:
        live.stop()
        await running
        executor.shutdown()
        await nc.close()

"""Rebuilds with two replicas of a service on one database: the status one replica writes is
the one the other reads; only one rebuilds a model at a time; a replica SIGKILLed in the middle
of a rebuild leaves the live model as it was and a status that reads "failed" once its lease is
over (never "running" for ever), and the next rebuild, on the other replica, takes over, drops
the dead one's half-built copy and swaps a model equal to the live one in. On SQLite and on
PostgreSQL, against a real nats-server; the killed replica is a real process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devstack.nats import NatsServerProcess
from invoicing.application import InvoicingApplication
from invoicing.projections.organisation_batches import READ_MODEL
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.readmodels import Rebuilder, RebuildStatus
from servicekit.rebuild_ledger import RebuildLedger
from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from bench.rebuild import fill_stream, organisation_envelopes, wait_until_applied
from tests.live_model import live_organisations_model

LEASE_SECONDS = 2.0

# The other replica: rebuilds in small batches and stops answering after two of them (its
# store thread hangs), so the test can kill it mid-replay with a copy half built.
REPLICA = """
import asyncio, sys, time
from dataclasses import replace
import nats
from invoicing.application import InvoicingApplication
from invoicing.projections.organisation_batches import READ_MODEL, apply_organisation_events
from servicekit import readmodels
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor

nats_url, database_url, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
readmodels.FETCH_BATCH = 50
batches = 0

def hangs_after_two(session, batch):
    global batches
    batches += 1
    if batches > 2:
        time.sleep(3600)
    apply_organisation_events(session, batch)

async def main():
    nc = await nats.connect(nats_url)
    database = SharedDatabase(InvoicingApplication(store_environment(database_url)))
    executor = StoreExecutor("replica-2", database)
    model = replace(READ_MODEL, apply_batch=hangs_after_two)
    rebuilder = readmodels.Rebuilder(model, database, executor, database.engine, lease)
    print(rebuilder.status.holder, flush=True)
    await rebuilder.rebuild(nc.jetstream())

asyncio.run(main())
"""


def _copies_left(engine: Engine) -> list[str]:
    return sorted(n for n in inspect(engine).get_table_names() if "__r" in n)


def _live_model(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in READ_MODEL.tables
        }


async def _wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what} not seen within {timeout} s")


async def test_a_replica_killed_mid_rebuild_leaves_the_model_and_the_other_takes_over(
    nats_server: NatsServerProcess, database_url: str
) -> None:
    async with live_organisations_model(nats_server.url, database_url, "replica-1") as live:
        js, database, executor = live.js, live.database, live.executor
        other = None
        try:
            await fill_stream(js, organisation_envelopes(150))
            await wait_until_applied(js, READ_MODEL.consumer)
            model_before = _live_model(database.engine)
            here = Rebuilder(READ_MODEL, database, executor, database.engine, LEASE_SECONDS)

            # The other replica starts a rebuild; this one sees its progress in the database.
            other = subprocess.Popen(
                [sys.executable, "-c", REPLICA, nats_server.url, database_url, str(LEASE_SECONDS)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert other.stdout is not None
            their_holder = (await asyncio.to_thread(other.stdout.readline)).strip()

            async def theirs_under_way() -> RebuildStatus | None:
                status = await here.current()
                replaying = status.state == "running" and status.events >= 100
                return status if replaying else None

            status = await _wait_for(theirs_under_way, 60, "the other replica's rebuild")
            assert status.holder == their_holder != here.status.holder
            assert status.phase == "replaying" and status.tables == [
                "known_organisations",
                "organisation_identifiers",
            ]
            # One rebuild of a model at a time: this replica starts none while theirs runs.
            assert await here.claim() is False
            reported = await here.rebuild(js)
            assert reported.state == "running" and reported.holder == their_holder
            assert _copies_left(database.engine)  # their copy, half built

            # SIGKILL: no clean-up, no last word. Their status reads failed once the lease is over.
            other.send_signal(signal.SIGKILL)
            other.wait(10)

            async def abandoned() -> RebuildStatus | None:
                status = await here.current()
                return status if status.state == "failed" else None

            killed = time.monotonic()
            failed = await _wait_for(abandoned, 10 * LEASE_SECONDS, "the abandoned status")
            assert time.monotonic() - killed <= LEASE_SECONDS + 2
            assert failed.error is not None and "abandoned" in failed.error
            assert failed.holder == their_holder and failed.phase == "replaying"
            assert _live_model(database.engine) == model_before  # nothing was swapped

            # This replica rebuilds now: it drops their copy and swaps an equal model in.
            rebuilt = await here.rebuild(js)
            assert rebuilt.state == "done" and rebuilt.matches_live is True, rebuilt
            assert rebuilt.rows == 300 and rebuilt.differences == 0
            assert _copies_left(database.engine) == []
            assert _live_model(database.engine) == model_before
            seen = await here.current()
            assert (seen.state, seen.holder, seen.rows) == ("done", here.status.holder, 300)
        finally:
            if other is not None and other.poll() is None:
                os.kill(other.pid, signal.SIGKILL)
                other.wait(10)


def test_a_claim_waits_for_the_lease_and_a_late_holder_cannot_record_its_outcome(
    database_url: str,
) -> None:
    database = SharedDatabase(InvoicingApplication(store_environment(database_url)))
    create_bookkeeping_tables(database.engine)
    first, second = RebuildLedger("first", 5.0), RebuildLedger("second", 5.0)
    now = time.time()
    running = RebuildStatus(model="organisations", state="running", phase="replaying")
    with database.transaction() as session:
        assert first.claim(session, running, now) is True
        assert second.claim(session, running, now + 1) is False  # first's lease holds
        assert first.renew(session, running, now + 3) is True  # ...and is renewed
        assert second.claim(session, running, now + 7) is False
    with database.transaction() as session:
        status = first.read(session, "organisations", now + 7.5)
        assert status is not None and status.state == "running"
        # First stopped renewing: after its lease the model reads as failed and can be taken.
        status = second.read(session, "organisations", now + 8.5 + 5)
        assert status is not None and status.state == "failed" and "abandoned" in str(status.error)
        assert second.claim(session, running, now + 8.5 + 5) is True
        # First comes back from a long pause: it can neither renew nor record "done".
        done = running.model_copy(update={"state": "done"})
        assert first.renew(session, running, now + 14) is False
        assert first.finish(session, done) is False
        assert second.finish(session, done) is True
    with database.transaction() as session:
        final = first.read(session, "organisations", now + 100)
        assert final is not None and final.state == "done"
        row = session.execute(text("SELECT holder FROM read_model_rebuilds")).scalar_one()
        assert row == "second"


def test_an_unknown_model_has_no_status(tmp_path: Path) -> None:
    database = SharedDatabase(
        InvoicingApplication(store_environment(f"sqlite:///{tmp_path / 'store.db'}"))
    )
    create_bookkeeping_tables(database.engine)
    with database.transaction() as session:
        assert RebuildLedger("me", 5.0).read(session, "organisations", time.time()) is None

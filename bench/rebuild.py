"""bench/rebuild: events per second rebuilding a read model against raw JetStream consumption.

    python -m bench.rebuild [--organisations 5000] [--rounds 2]

In one run on this machine:

- A real nats-server (free port, JetStream under a temporary folder) with the EVENTS stream
  holding `--organisations` x 2 organisation events (OrganisationAdded, OrganisationActivated).
- Invoicing's read model of organisations (its tables, its effect, its consumer's tracking) on
  SQLite, first filled by the live consumer (servicekit's EventConsumer), as in the service; the
  rebuild replays through the model's batch effect, as in the service.
- Alternating, `--rounds` times: (A) raw consumption of the same subjects by the same ephemeral
  pull consumer a rebuild uses, messages counted and nothing else; (B) a full rebuild of the read
  model (servicekit.readmodels.Rebuilder: copy, replay, catch-up, compare, swap), its events
  divided by its whole time.

Garbage is collected before each measurement. Prints both rates, this process's CPU seconds
for each (what other load on the machine barely moves), and the target (rebuild >= 0.5 x raw),
and writes the JSON to var/bench/rebuild-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
from contracts.envelope import Envelope
from contracts.events.organisation import OrganisationActivated, OrganisationAdded
from devstack.nats import NatsServerProcess
from devstack.ports import free_port
from invoicing.application import InvoicingApplication
from invoicing.projections.organisation_batches import READ_MODEL
from invoicing.state.tables import create_state_tables
from servicekit.consumer import EventConsumer
from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.readmodels import Rebuilder, raw_batches
from servicekit.streams import EVENTS_STREAM, declare_streams
from servicekit.tables import create_bookkeeping_tables

from bench.report import write_json
from bench.system import code_state

SHARE = 0.5


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    return parser.parse_args(argv)


def organisation_envelopes(count: int) -> list[Envelope]:
    """Each organisation added and activated, as the organisation service publishes them."""
    now = datetime.now(UTC)
    envelopes = []
    for number in range(count):
        organisation_id, environment_id = uuid.uuid4(), uuid.uuid4()
        common = {"organisation_id": organisation_id, "environment_id": environment_id}
        kvk = f"{10000000 + number:08d}"
        for sequence, event in enumerate(
            (
                OrganisationAdded(
                    **common,
                    name=f"Organisation {number}",
                    source="kvk",
                    kvk_number=kvk,
                    added_at=now,
                ),
                OrganisationActivated(**common, name=f"Organisation {number}", activated_at=now),
            ),
            start=1,
        ):
            envelopes.append(
                Envelope.wrap(
                    event,
                    id=uuid.uuid4(),
                    source="organisation",
                    time=now,
                    subject=organisation_id,
                    sequence=sequence,
                    correlation_id=None,
                    environment_id=environment_id,
                    organisation_id=organisation_id,
                )
            )
    return envelopes


async def fill_stream(js: Any, envelopes: list[Envelope]) -> None:
    """Publish every envelope, pipelined in chunks, each PubAck awaited."""
    for start in range(0, len(envelopes), 1000):
        chunk = envelopes[start : start + 1000]
        await asyncio.gather(
            *(
                js.publish(
                    f"events.organisation.{e.type}",
                    e.to_json(),
                    stream=EVENTS_STREAM,
                    headers={"Nats-Msg-Id": e.id},
                )
                for e in chunk
            )
        )


async def raw_rate(js: Any, subjects: list[str], until: int) -> dict[str, float]:
    """Messages per second handed out by the replay's ephemeral consumer, nothing done."""
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    async for batch in raw_batches(js, subjects, until):
        count += len(batch)
    seconds = time.perf_counter() - started
    return {
        "events": count,
        "seconds": round(seconds, 3),
        "per_second": round(count / seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu, 3),
    }


async def wait_until_applied(js: Any, consumer: str) -> None:
    """Until the live consumer has every message of the stream applied and acknowledged."""
    while True:
        await asyncio.sleep(0.2)
        try:
            info = await js.consumer_info(EVENTS_STREAM, consumer)
        except nats.js.errors.NotFoundError:
            continue  # not created yet
        if not info.num_pending and not info.num_ack_pending:
            return


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    server = NatsServerProcess(store_dir=folder / "nats", port=free_port())
    server.start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await declare_streams(js)
        envelopes = organisation_envelopes(args.organisations)
        await fill_stream(js, envelopes)
        until = (await js.stream_info(EVENTS_STREAM)).state.last_seq

        app = InvoicingApplication(store_environment(f"sqlite:///{folder / 'invoicing.db'}"))
        database = SharedDatabase(app)
        create_state_tables(database.engine)
        create_bookkeeping_tables(database.engine)
        executor = StoreExecutor("bench", database)
        model = READ_MODEL
        live = EventConsumer(
            durable=model.consumer,
            subject=model.subjects[0],
            database=database,
            executor=executor,
            effect=model.apply,
        )
        live.bind_jetstream(js)
        started = time.perf_counter()
        task = asyncio.create_task(live.run())
        await wait_until_applied(js, model.consumer)
        live_seconds = time.perf_counter() - started
        rebuilder = Rebuilder(model, database, executor, database.engine)
        raws, rebuilds = [], []
        for _round in range(args.rounds):
            # Each measurement starts with no garbage left over, so neither pays for the other's.
            gc.collect()
            raws.append(await raw_rate(js, list(model.subjects), until))
            gc.collect()
            cpu = time.process_time()
            status = await rebuilder.rebuild(js)
            assert status.state == "done", status
            rebuilds.append(
                {
                    **status.model_dump(mode="json"),
                    "cpu_seconds": round(time.process_time() - cpu, 3),
                }
            )
        live.stop()
        await task
        executor.shutdown()
        await nc.close()
    finally:
        server.stop()
    raw = statistics.median(r["per_second"] for r in raws)
    rebuilt = statistics.median(r["events_per_second"] for r in rebuilds)
    raw_cpu = statistics.median(r["cpu_seconds"] for r in raws)
    rebuild_cpu = statistics.median(r["cpu_seconds"] for r in rebuilds)
    return {
        "bench": "rebuild",
        "at": datetime.now(UTC).isoformat(),
        "code": code_state(),
        "args": vars(args),
        "events": len(envelopes),
        "live_consumer_per_second": round(len(envelopes) / live_seconds, 1),
        "raw": raws,
        "rebuilds": rebuilds,
        "raw_per_second": raw,
        "rebuild_per_second": rebuilt,
        "share": round(rebuilt / raw, 3),
        # This process's CPU time for the same events: what the rates would be on an idle
        # machine (the nats-server's share left out); a figure that other load barely moves.
        "raw_cpu_seconds": raw_cpu,
        "rebuild_cpu_seconds": rebuild_cpu,
        "cpu_share": round(raw_cpu / rebuild_cpu, 3),
        "target": {
            "wanted": f"rebuild >= {SHARE} x raw JetStream consumption",
            "pass": rebuilt >= SHARE * raw,
        },
    }


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    with tempfile.TemporaryDirectory() as folder:
        record = asyncio.run(run(args, Path(folder)))
    path = write_json(record, Path("var/bench") / f"rebuild-{datetime.now(UTC):%Y%m%dT%H%M%S}.json")
    print(f"events in the stream:        {record['events']}")
    print(f"live consumer (first fill):  {record['live_consumer_per_second']:9.0f} events/s")
    print(f"raw JetStream consumption:   {record['raw_per_second']:9.0f} events/s (median)")
    print(f"read-model rebuild:          {record['rebuild_per_second']:9.0f} events/s (median)")
    print(
        f"CPU seconds (this process):  raw {record['raw_cpu_seconds']:.3f}, rebuild "
        f"{record['rebuild_cpu_seconds']:.3f} (median): {record['cpu_share']:.2f} x"
    )
    matched = all(r["matches_live"] for r in record["rebuilds"])
    print(f"rebuilt model equals live:   {matched}")
    verdict = "PASS" if record["target"]["pass"] else "MISS"
    print(f"target {record['target']['wanted']}: {record['share']:.2f} x  {verdict}")
    print(f"figures: {path}")


if __name__ == "__main__":
    main()

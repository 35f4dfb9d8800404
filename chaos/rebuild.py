"""`rebuild`: after the kills, every read model rebuilt the way operators do it, and compared.

The scenario runs on a cluster that may just have had kills, so it first waits until every
process runs, every gateway is ready and every consumer has caught up. It then changes
organisations (the events invoicing's model is built from) while replicas of the organisation
and invoicing services are SIGKILLed, waits again, and for every read model the services offer
(GET /ops/api/overview) it:

1. rebuilds it through `POST /ops/api/read-models/{service}/{model}/rebuild` and SIGKILLs the
   replica that took the rebuild at once: its status must not stay "running" (it reads failed
   once the lease is over, from the other replica) and the live model must be as it was;
2. rebuilds it again, waits for the outcome in the overview (any replica answers), and
   compares the live tables before with the swapped-in tables after, row count and a content
   digest per table, computed by PostgreSQL; the service's own comparison must agree.

Any difference fails the scenario (and `make chaos`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import nats
import psycopg
from devstack.cluster import REPLICA_LEASE_SECONDS
from psycopg import sql

from chaos.driver import Gateways, wait_quiet, wait_ready
from chaos.scenarios import Context, Row, _account

RETRY_STATUSES = {0, 500, 502, 503, 504}
# The cluster's rebuild lease in this suite (chaos CLUSTER_ENV): how long a dead holder's
# status may still read "running".
LEASE_SECONDS = 10.0
# Longer than a relay lease: what a killed replica saved is published by then.
QUIET_SECONDS = float(REPLICA_LEASE_SECONDS) + 2.0


@dataclass(frozen=True)
class TableState:
    """A table's rows and a digest of their content (equal content, equal digest)."""

    rows: int
    digest: str


Snapshot = dict[str, TableState]


def snapshot(url: str, tables: list[str]) -> Snapshot:
    """Each table's row count and the md5 of its rows as text, sorted (PostgreSQL)."""
    found: Snapshot = {}
    with psycopg.connect(url, connect_timeout=5) as connection:
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')"
                " FROM {} AS t"
            ).format(sql.Identifier(table))
            row = connection.execute(query).fetchone()
            assert row is not None
            found[table] = TableState(int(row[0]), str(row[1]))
    return found


async def settled_snapshot(
    ctx: Context, url: str, tables: list[str], timeout: float = 120
) -> Snapshot:
    """The tables once nothing moves: consumers caught up, and neither the stream nor the
    tables changed over QUIET_SECONDS. Quiet consumers alone do not mean every event is
    applied: a relay whose replica did not save an event publishes it at its next poll, and
    events a killed replica saved but had not published wait until its relay lease runs out
    and the other replica takes over (REPLICA_LEASE_SECONDS)."""
    deadline = time.monotonic() + timeout
    last: tuple[int, Snapshot] | None = None
    while True:
        await wait_quiet(ctx.cluster, 60)
        current = (await _stream_end(ctx), await asyncio.to_thread(snapshot, url, tables))
        if current == last or time.monotonic() > deadline:
            return current[1]
        last = current
        await asyncio.sleep(QUIET_SECONDS)


async def _stream_end(ctx: Context) -> int:
    nc = await nats.connect(ctx.cluster.nats.url.split(","), connect_timeout=3)
    try:
        return int((await nc.jetstream().stream_info("EVENTS")).state.last_seq)
    finally:
        await nc.close()


class Operator:
    """The operators' JSON API on the gateways, with the cluster's operator token."""

    def __init__(self, gateways: Gateways, token: str) -> None:
        self.gateways = gateways
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, give_up_after: float = 120.0) -> Any:
        """One operator request, retried on another gateway while the answer is a fault."""
        deadline = time.monotonic() + give_up_after
        while True:
            status, response = await self.gateways.request(method, path, headers=self.headers)
            if status not in RETRY_STATUSES or time.monotonic() > deadline:
                assert response is not None and status < 300, f"{method} {path}: {status}"
                return response.json()
            await asyncio.sleep(1.0)

    async def read_models(self) -> list[dict[str, Any]]:
        """Every read model the services offer, with its last rebuild's status."""
        rows: list[dict[str, Any]] = (await self.call("GET", "/ops/api/overview"))["read_models"]
        return rows

    async def start_rebuild(self, context: str, model: str) -> dict[str, Any]:
        """Start a rebuild (202): its status, `holder` naming the replica that runs it."""
        status: dict[str, Any] = await self.call(
            "POST", f"/ops/api/read-models/{context}/{model}/rebuild"
        )
        return status

    async def outcome(self, context: str, model: str, started_at: str, timeout: float) -> Any:
        """The status of the rebuild started at `started_at` once it is no longer running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for row in await self.read_models():
                status = row["status"]
                if (row["context"], status["model"]) != (context, model):
                    continue
                if str(status["started_at"]) >= started_at and status["state"] != "running":
                    return status
            await asyncio.sleep(0.5)
        return None


async def wait_whole(ctx: Context, timeout: float) -> tuple[float, list[str]]:
    """Every process running, every gateway ready, every consumer caught up; seconds, dead."""
    started = time.monotonic()
    dead = ctx.cluster.stack.dead_services()
    await wait_ready(ctx.gateways, timeout)
    await wait_quiet(ctx.cluster, timeout)
    return time.monotonic() - started, dead


async def rebuild_read_models(ctx: Context, organisations: int, kills: int) -> Row:
    """Change organisations under kills, then kill one rebuild midway and compare another."""
    cluster = ctx.cluster
    waited, dead = await wait_whole(ctx, 300)
    try:
        seeded = await _organisations_under_kills(ctx, organisations, kills)
    except AssertionError as error:
        return Row("rebuilt read models", False, {}, f"changing organisations failed: {error}")
    waited_after, dead_after = await wait_whole(ctx, 300)
    operator = Operator(ctx.gateways, cluster.stack.env["OPERATOR_TOKEN"])
    offered = [
        (r["context"], r["status"]["model"], r["status"]) for r in await operator.read_models()
    ]
    figures: dict[str, Any] = {
        "ready_wait_s": round(waited + waited_after, 1),
        "organisations_changed": len(seeded["ids"]),
        "kills_while_changing": seeded["kills"],
        "models": len(offered),
    }
    problems: list[str] = [f"process died by itself: {d}" for d in dead + dead_after]
    if not offered:
        problems.append("no service offers a read model to rebuild")
    totals = {"rows": 0, "events": 0, "seconds": 0.0}
    equal_all = True
    for context, model, last in offered:
        url = cluster.databases.url(context)
        tables = list(last["tables"])
        killed = await _rebuild_killed_midway(ctx, operator, context, model, url, tables)
        figures[f"{context}.{model}.killed_rebuild"] = killed["figure"]
        problems += killed["problems"]
        await wait_whole(ctx, 300)
        before = await settled_snapshot(ctx, url, tables)
        started = await operator.start_rebuild(context, model)
        status = await operator.outcome(context, model, started["started_at"], 600)
        after = await asyncio.to_thread(snapshot, url, tables)
        if status is None:
            problems.append(f"{context}.{model}: the rebuild did not finish in 600 s")
            equal_all = False
            continue
        equal = before == after and status["state"] == "done" and status["matches_live"] is True
        equal_all = equal_all and equal
        totals["rows"] += sum(t.rows for t in after.values())
        totals["events"] += int(status["events"])
        totals["seconds"] += float(status["seconds"])
        figures[f"{context}.{model}"] = {
            "rows": {name: state.rows for name, state in after.items()},
            "events_replayed": status["events"],
            "seconds": status["seconds"],
            "service_says_equal": status["matches_live"],
            "digests_equal": before == after,
            "ran_on": _process_of(ctx, status["holder"]),
        }
        if not equal:
            differing = _differing(before, after)
            problems.append(
                f"{context}.{model}: rebuilt model differs from the live one "
                f"(state {status['state']}, service says matches_live={status['matches_live']}, "
                f"differences={status['differences']}, tables differing: {differing or 'none'}; "
                f"error {status['error']})"
            )
        if context == "invoicing" and model == "organisations":
            missing = await asyncio.to_thread(_missing_organisations, url, seeded["ids"])
            if missing:
                problems.append(f"{len(missing)} changed organisations not in invoicing's model")
    figures.update(
        {
            "rows": totals["rows"],
            "events_replayed": totals["events"],
            "rebuild_s": round(totals["seconds"], 2),
            "equal": "yes" if equal_all and offered else "no",
        }
    )
    passed = not problems and equal_all and bool(offered)
    return Row("rebuilt read models", passed, figures, "; ".join(problems))


async def _rebuild_killed_midway(
    ctx: Context, operator: Operator, context: str, model: str, url: str, tables: list[str]
) -> dict[str, Any]:
    """Start a rebuild and SIGKILL the replica that took it: no stuck status, no half swap."""
    before = await settled_snapshot(ctx, url, tables)
    started = await operator.start_rebuild(context, model)
    victim = _process_of(ctx, started["holder"])
    problems: list[str] = []
    if victim is None:
        return {"figure": "holder not found", "problems": [f"no process {started['holder']}"]}
    await asyncio.to_thread(ctx.cluster.stack.kill, victim)
    killed_at = time.monotonic()
    status = await operator.outcome(context, model, started["started_at"], LEASE_SECONDS * 6)
    settled_s = time.monotonic() - killed_at
    await asyncio.to_thread(ctx.cluster.stack.start_service, victim)
    after = await asyncio.to_thread(snapshot, url, tables)
    if status is None:
        problems.append(f"{context}.{model}: status still running {settled_s:.0f} s after the kill")
        return {"figure": "stuck running", "problems": problems}
    if status["state"] == "failed":
        figure = f"{victim} killed; failed (abandoned) after {settled_s:.1f} s"
        if before != after:
            problems.append(
                f"{context}.{model}: the killed rebuild changed the live model "
                f"(tables differing: {_differing(before, after)})"
            )
    else:
        # The kill came after the swap: then it must have been a good one.
        figure = f"{victim} killed after it finished ({status['state']})"
        if status["state"] != "done" or status["matches_live"] is not True or before != after:
            problems.append(
                f"{context}.{model}: the rebuild before the kill was not equal "
                f"(matches_live={status['matches_live']}, "
                f"tables differing: {_differing(before, after) or 'none'})"
            )
    return {"figure": figure, "problems": problems}


def _differing(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def _process_of(ctx: Context, holder: str | None) -> str | None:
    """The cluster's process a rebuild holder (`host:pid:tag`) names."""
    if not holder:
        return None
    pid = int(holder.split(":")[-2])
    return next((n for n, p in ctx.cluster.stack.processes.items() if p.pid == pid), None)


def _missing_organisations(url: str, ids: list[str]) -> list[str]:
    with psycopg.connect(url, connect_timeout=5) as connection:
        found = connection.execute(
            "SELECT organisation_id FROM known_organisations WHERE organisation_id = ANY(%s)",
            (ids,),
        ).fetchall()
    return sorted(set(ids) - {str(row[0]) for row in found})


async def _organisations_under_kills(ctx: Context, count: int, kills: int) -> dict[str, Any]:
    """Add `count` organisations by hand (each with a KvK number: a directory entry) and rename
    each once, while replicas are SIGKILLed.

    Only replicas of the organisation and invoicing services, one of a service at a time (the
    other keeps it up), each restarted after 1-3 s.
    """
    # A new account each run (the scenario may run more than once on one cluster).
    token = await _account(ctx, f"rebuild-{uuid.uuid4().hex[:12]}")
    headers = {"Authorization": f"Bearer {token}"}
    ids: list[str] = []
    pending = list(range(count))
    down: set[str] = set()
    restarts: list[asyncio.Task[None]] = []
    victims: list[str] = []
    progress: asyncio.Queue[int] = asyncio.Queue()
    done = 0
    # KvK numbers of this run's own (the directory holds each once): 8 digits, any value.
    kvk_base = ctx.rng.randrange(10_000_000, 90_000_000)

    async def send(method: str, path: str, body: dict[str, Any]) -> Any:
        for _attempt in range(120):
            status, response = await ctx.gateways.request(method, path, json=body, headers=headers)
            if status in (200, 201) and response is not None:
                return response.json()
            if status not in RETRY_STATUSES:
                break
            await asyncio.sleep(0.5)
        raise AssertionError(f"{method} {path} answered {status}")

    async def change() -> None:
        while pending:
            n = pending.pop()
            body = {
                "name": f"Rebuild {n}",
                "kvk_number": f"{kvk_base + n:08d}",
                "address": {
                    "street": "Damrak",
                    "house_number": str(n + 1),
                    "postal_code": "1012 LG",
                    "city": "Amsterdam",
                    "country": "NL",
                },
            }
            added = await send("POST", "/api/v1/organisations", body)
            ids.append(added["id"])
            progress.put_nowait(1)
            await send("PATCH", f"/api/v1/organisations/{added['id']}", {"name": f"Rebuilt {n}"})

    async def restart_later(name: str) -> None:
        await asyncio.sleep(1.0 + ctx.rng.random() * 2)
        await asyncio.to_thread(ctx.cluster.stack.start_service, name)
        down.discard(name)

    work = asyncio.gather(*(change() for _ in range(4)))
    candidates = [p for p in ctx.cluster.processes if p.startswith(("organisation-", "invoicing-"))]
    for k in range(kills):
        while done < (k + 1) * count // (kills + 1) and not work.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(progress.get(), 1.0)
                done += 1
        choices = _up_with_sibling_up(candidates, down)
        while not choices and not work.done():
            # Both services have a replica down: wait for one to be back.
            await asyncio.wait(
                [t for t in restarts if not t.done()], return_when=asyncio.FIRST_COMPLETED
            )
            choices = _up_with_sibling_up(candidates, down)
        if work.done():
            break
        victim = ctx.rng.choice(choices)
        down.add(victim)
        victims.append(victim)
        await asyncio.to_thread(ctx.cluster.stack.kill, victim)
        restarts.append(asyncio.create_task(restart_later(victim)))
    try:
        await work
    finally:
        await asyncio.gather(*restarts)
    return {"ids": ids, "kills": len(victims)}


def _up_with_sibling_up(candidates: list[str], down: set[str]) -> list[str]:
    """The processes that may be killed now: no replica of their service is down."""
    services_down = {name.rsplit("-", 1)[0] for name in down}
    return [p for p in candidates if p.rsplit("-", 1)[0] not in services_down]

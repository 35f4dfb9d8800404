"""The chaos scenarios: each drives the cluster through a fault and returns one row of figures."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

from devstack.cluster import ClusterStack

from chaos.driver import (
    Gateways,
    SignUps,
    Sink,
    addresses,
    p95,
    ready_status,
    redeliveries,
    sign_up_many,
    verified_account,
    wait_for_mails,
    wait_quiet,
    wait_ready,
)
from chaos.invoices import InvoiceTraffic


@dataclass
class Row:
    """One scenario's outcome: passed or not, and its figures."""

    scenario: str
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass
class Context:
    """The running cluster and what the scenarios use to drive and observe it."""

    cluster: ClusterStack
    gateways: Gateways
    sink: Sink
    rng: random.Random


async def _mails_for(ctx: Context, accepted: set[str], timeout: float) -> dict[str, Any]:
    """Lost and duplicated verification mails of the accepted sign-ups.

    A duplicate is a second, different mail (another Message-ID) for one sign-up: the effect
    happened twice. The same mail resent (same Message-ID) is counted by the callers apart.
    """
    counts, waited = await wait_for_mails(ctx.sink, accepted, timeout)
    distinct = ctx.sink.distinct_verification_mails(accepted)
    return {
        "accepted": len(accepted),
        "lost": len(accepted - set(counts)),
        "duplicated": sum(n - 1 for n in distinct.values()),
        "mail_wait_s": round(waited, 1),
    }


async def kill_storm(
    ctx: Context,
    count: int,
    kills: int,
    concurrency: int,
    allow_resent_mail: bool = False,
    invoices: int = 0,
) -> Row:
    """SIGKILL random service processes (and one NATS node) while sign-ups and invoices go
    through (chaos.invoices says what is checked of the invoices).

    A mail resent with the same Message-ID is notifications' one known window (killed between
    the SMTP server's 250 and the commit that records it; see its README): counted apart, and
    a failure unless `allow_resent_mail`.
    """
    cluster = ctx.cluster
    traffic = InvoiceTraffic(ctx.gateways, ctx.sink, f"storm-{ctx.rng.randrange(10**6)}")
    if invoices:
        await traffic.set_up()
    before_redeliveries = await redeliveries(cluster)
    duplicates_before = ctx.sink.duplicates()
    result = SignUps()
    progress: asyncio.Queue[int] = asyncio.Queue()
    started = time.monotonic()
    load = asyncio.gather(
        sign_up_many(ctx.gateways, addresses("storm", count), result, concurrency, progress),
        traffic.submit_many(traffic.numbers(invoices), concurrency // 2, progress),
    )
    total = count + invoices
    down: set[str] = set()
    restarts: list[asyncio.Task[None]] = []
    victims: list[str] = []

    async def restart_later(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await asyncio.to_thread(cluster.stack.start_service, name)
        down.discard(name)

    async def restart_node_later(index: int, delay: float) -> None:
        await asyncio.sleep(delay)
        await asyncio.to_thread(cluster.nats.start_node, index)

    done = 0
    for k in range(kills):
        threshold = (k + 1) * total // (kills + 1)
        while done < threshold and not load.done():
            await progress.get()
            done += 1
        victim = ctx.rng.choice([p for p in cluster.processes if p not in down])
        down.add(victim)
        victims.append(victim)
        await asyncio.to_thread(cluster.stack.kill, victim)
        restarts.append(asyncio.create_task(restart_later(victim, 1.0 + ctx.rng.random() * 2)))
        if k == kills // 2:
            node = ctx.rng.randrange(len(cluster.nats.nodes))
            await asyncio.to_thread(cluster.nats.kill_node, node)
            victims.append(cluster.nats.nodes[node].name)
            restarts.append(asyncio.create_task(restart_node_later(node, 10.0)))
    await load
    load_seconds = time.monotonic() - started
    await asyncio.gather(*restarts)
    await wait_ready(ctx.gateways, 120)
    quiet = await wait_quiet(cluster, 300)
    figures = await _mails_for(ctx, result.accepted, timeout=300)
    invoice_figures = await traffic.figures(timeout=600) if invoices else {}
    figures.update(
        {
            "sign_ups": count,
            "refused": len(result.refused),
            "kills": len(victims),
            "retried_requests": result.attempts - len(result.accepted) - len(result.refused),
            "redeliveries": await redeliveries(cluster) - before_redeliveries,
            "mail_copies_same_message_id": ctx.sink.duplicates() - duplicates_before,
            "sign_ups_per_s": round(len(result.accepted) / load_seconds, 1),
            "p95_ms": round(p95(result.latencies) * 1000),
            "catch_up_s": round(quiet, 1),
            **invoice_figures,
        }
    )
    passed = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and (allow_resent_mail or figures["mail_copies_same_message_id"] == 0)
        and not result.refused
        and all(
            invoice_figures.get(name, 0) == 0
            for name in (
                "invoices_refused",
                "invoices_lost",
                "invoices_duplicated",
                "invoice_mails_missing",
                "invoice_mails_duplicated",
            )
        )
    )
    note = "killed: " + ", ".join(sorted(set(victims)))
    return Row("kill storm", passed, figures, note)


async def nats_outage(ctx: Context, seconds: float, batch: int = 40) -> Row:
    """Every NATS node down for `seconds`: /ready 503 during, everything caught up after."""
    cluster = ctx.cluster
    result = SignUps()
    await sign_up_many(ctx.gateways, addresses(f"nats{int(seconds)}-before", batch), result, 8)
    await asyncio.to_thread(cluster.nats.kill_all)
    outage_started = time.monotonic()
    polls = not_ready = 0
    during_statuses: set[int] = set()
    while time.monotonic() - outage_started < seconds:
        statuses = await ready_status(ctx.gateways)
        polls += 1
        not_ready += all(s == 503 for s in statuses)
        status, _ = await ctx.gateways.request(
            "POST",
            "/api/v1/registrations",
            json={"email": "during@chaos.example.nl", "password": "x" * 16, "full_name": "X"},
        )
        during_statuses.add(status)
        await asyncio.sleep(1.0)
    restarted = time.monotonic()
    await asyncio.to_thread(cluster.nats.start_all)
    ready = await wait_ready(ctx.gateways, 300)
    recovery = None if ready is None else time.monotonic() - restarted
    after = SignUps()
    await sign_up_many(ctx.gateways, addresses(f"nats{int(seconds)}-after", batch), after, 8)
    figures = await _mails_for(ctx, result.accepted | after.accepted, timeout=300)
    figures.update(
        {
            "outage_s": seconds,
            "ready_503_polls": f"{not_ready}/{polls}",
            "sign_up_status_during": sorted(during_statuses),
            "recovery_s": None if recovery is None else round(recovery, 1),
        }
    )
    passed = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and not_ready == polls
        and recovery is not None
        and during_statuses <= {503, 504}
    )
    return Row(f"NATS outage {int(seconds)} s", passed, figures)


async def postgres_outage(ctx: Context, seconds: float, batch: int = 40) -> Row:
    """The services' databases refuse connections for `seconds`: 503 problem+json, then recovery."""
    cluster = ctx.cluster
    result = SignUps()
    await sign_up_many(ctx.gateways, addresses(f"pg{int(seconds)}-before", batch), result, 8)
    # Sign-ups in flight as the connections are cut: each is either taken or a 503, never a 500
    # (a group commit that lost its connection once answered its other calls 500).
    at_cut = asyncio.gather(
        *(_sign_up_once(ctx, a) for a in addresses(f"pg{int(seconds)}-at-cut", 16))
    )
    await asyncio.sleep(0.02)
    await asyncio.to_thread(cluster.databases.cut)
    started = time.monotonic()
    answers_at_cut: dict[str, int] = {}
    for address, key in await at_cut:
        answers_at_cut[key] = answers_at_cut.get(key, 0) + 1
        if key.startswith("202"):
            result.accepted.add(address)
    polls = not_ready = 0
    answers: dict[str, int] = {}
    try:
        while time.monotonic() - started < seconds:
            statuses = await ready_status(ctx.gateways)
            polls += 1
            not_ready += all(s == 503 for s in statuses)
            _, key = await _sign_up_once(ctx, f"pg-during-{polls}@chaos.example.nl")
            answers[key] = answers.get(key, 0) + 1
            await asyncio.sleep(1.0)
    finally:
        await asyncio.to_thread(cluster.databases.restore)
    restored = time.monotonic()
    ready = await wait_ready(ctx.gateways, 300)
    recovery = None if ready is None else time.monotonic() - restored
    after = SignUps()
    await sign_up_many(ctx.gateways, addresses(f"pg{int(seconds)}-after", batch), after, 8)
    figures = await _mails_for(ctx, result.accepted | after.accepted, timeout=300)
    figures.update(
        {
            "outage_s": seconds,
            "ready_503_polls": f"{not_ready}/{polls}",
            "sign_up_answers_at_cut": answers_at_cut,
            "sign_up_answers_during": answers,
            "recovery_s": None if recovery is None else round(recovery, 1),
        }
    )
    problem_503 = all(k.startswith("503 application/problem+json") for k in answers) and all(
        k.startswith(("202 ", "503 application/problem+json")) for k in answers_at_cut
    )
    passed = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and not_ready == polls
        and recovery is not None
        and problem_503
    )
    return Row(f"PostgreSQL outage {int(seconds)} s", passed, figures)


async def _sign_up_once(ctx: Context, address: str) -> tuple[str, str]:
    """One sign-up attempt, no retry: the address and `<status> <content type>`."""
    body = {"email": address, "password": "correct horse battery staple", "full_name": "X"}
    status, response = await ctx.gateways.request("POST", "/api/v1/registrations", json=body)
    kind = response.headers.get("content-type", "") if response is not None else ""
    return address, f"{status} {kind.split(';')[0]}"


async def graceful_shutdown(ctx: Context, count: int) -> Row:
    """SIGTERM one replica of every service while sign-ups flow: nothing in flight is lost."""
    cluster = ctx.cluster
    result = SignUps()
    load = asyncio.create_task(
        sign_up_many(ctx.gateways, addresses("drain", count), result, concurrency=16)
    )
    await asyncio.sleep(2.0)
    victims = [f"{s}-1" for s in ("identity", "notifications", "organisation", "invoicing")]
    codes = await asyncio.gather(
        *(asyncio.to_thread(cluster.stack.terminate, name, 20.0) for name in victims)
    )
    await load
    for name in victims:
        await asyncio.to_thread(cluster.stack.start_service, name)
    await wait_ready(ctx.gateways, 120)
    failed = sum(result.failed_attempts.values())
    figures = await _mails_for(ctx, result.accepted, timeout=180)
    figures.update(
        {
            "sign_ups": count,
            "failed_requests": failed,
            "failed_statuses": dict(result.failed_attempts),
            "exit_codes": dict(zip(victims, codes, strict=True)),
        }
    )
    passed = figures["lost"] == 0 and figures["duplicated"] == 0 and failed == 0
    return Row("graceful shutdown (SIGTERM)", passed, figures)


async def _account(ctx: Context, tag: str) -> str:
    """A verified user with a session; the access token."""
    return await verified_account(ctx.gateways, ctx.sink, tag)


async def concurrent_changes(ctx: Context, rounds: int, writers: int = 4) -> Row:
    """Changes of one organisation at once through both gateways: each wins or gets 409.

    Requests reach the organisation replicas through a queue group; two that meet in one
    replica are served one after the other (both win), two that race in different replicas
    both load the same version and only the first save stands: the other is a 409 and leaves
    nothing behind.
    """
    token = await _account(ctx, "conflict")
    headers = {"Authorization": f"Bearer {token}"}
    status, response = await ctx.gateways.request(
        "POST", "/api/v1/organisations", json={"kvk_number": "69599084"}, headers=headers
    )
    assert status == 201 and response is not None, f"adding the organisation answered {status}"
    path = f"/api/v1/organisations/{response.json()['id']}"
    statuses: dict[int, int] = {}
    rounds_with_conflict = loser_visible = 0
    # Whether two changes race depends on timing; go on (up to ten times as long) until one did.
    n = 0
    while n < rounds or (not rounds_with_conflict and n < rounds * 10):
        n += 1
        names = [f"Race {n} {w}" for w in range(writers)]
        answers = await asyncio.gather(
            *(
                ctx.gateways.client.patch(
                    ctx.gateways.urls[w % len(ctx.gateways.urls)] + path,
                    json={"name": name},
                    headers=headers,
                )
                for w, name in enumerate(names)
            )
        )
        for answer in answers:
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        losers = {name for name, a in zip(names, answers, strict=True) if a.status_code == 409}
        rounds_with_conflict += bool(losers)
        _, read = await ctx.gateways.request("GET", path, headers=headers)
        if read is None or read.json()["name"] in losers:
            loser_visible += 1
    passed = set(statuses) <= {200, 409} and loser_visible == 0 and statuses.get(409, 0) > 0
    return Row(
        "concurrent changes",
        passed,
        {
            "rounds": n,
            "writers": writers,
            "statuses": statuses,
            "rounds_with_409": rounds_with_conflict,
            "loser_visible": loser_visible,
        },
    )


async def ordering(ctx: Context, organisations: int = 10, changes: int = 100) -> Row:
    """`organisations` x `changes` events, each organisation's in order at every consumer.

    Checked three ways: the stream holds each organisation's events in version order; two
    replicas of a servicekit consumer (the code every service consumes with) sharing one
    durable consumer apply them in that order; and notifications' read model, built by its two
    replicas, ends with each organisation's last name.
    """
    token = await _account(ctx, "ordering")
    headers = {"Authorization": f"Bearer {token}"}
    ids: list[str] = []
    for n in range(organisations):
        body = {
            "name": f"Ordering {n}",
            "address": {
                "street": "Kerkstraat",
                "house_number": str(n + 1),
                "postal_code": "1017 GC",
                "city": "Amsterdam",
                "country": "NL",
            },
        }
        status, response = await ctx.gateways.request(
            "POST", "/api/v1/organisations", json=body, headers=headers
        )
        assert status == 201 and response is not None, f"adding answered {status}"
        ids.append(response.json()["id"])
    failures = 0

    async def change(organisation: str) -> None:
        nonlocal failures
        for k in range(changes):
            for _attempt in range(20):
                status, _ = await ctx.gateways.request(
                    "PATCH",
                    f"/api/v1/organisations/{organisation}",
                    json={"name": f"Ordering {organisation[:8]} v{k}"},
                    headers=headers,
                )
                if status == 200:
                    break
                failures += 1
                await asyncio.sleep(0.2)

    started = time.monotonic()
    await asyncio.gather(*(change(o) for o in ids))
    changing_s = time.monotonic() - started
    expected = organisations * changes
    replicas = await _replica_arrivals(ctx, set(ids), expected)
    stream = await _stream_order(ctx, set(ids))
    await wait_quiet(ctx.cluster, 120)
    names = _read_model_names(ctx, ids)
    last = {o: f"Ordering {o[:8]} v{changes - 1}" for o in ids}
    stale = sum(names.get(o) != last[o] for o in ids)
    figures = {
        "organisations": organisations,
        "events": expected,
        "retried_changes": failures,
        "stream_out_of_order": stream["out_of_order"],
        "stream_events": stream["events"],
        "consumer_replicas_applied": replicas["applied"],
        "consumer_out_of_order": replicas["out_of_order"],
        "consumer_split": replicas["split"],
        "read_model_stale": stale,
        "changes_per_s": round(expected / changing_s, 1),
    }
    passed = (
        stream["out_of_order"] == 0
        and stream["events"] == expected
        and replicas["applied"] == expected
        and replicas["out_of_order"] == 0
        and stale == 0
    )
    return Row("ordering per organisation", passed, figures)


async def _stream_order(ctx: Context, organisations: set[str]) -> dict[str, int]:
    """Each organisation's OrganisationDetailsChanged in stream order: versions increasing?"""
    import json

    import nats

    nc = await nats.connect(ctx.cluster.nats.url.split(","))
    try:
        js = nc.jetstream()
        subscription = await js.subscribe(
            "events.organisation.OrganisationDetailsChanged", ordered_consumer=True
        )
        last: dict[str, int] = {}
        out_of_order = events = 0
        while True:
            try:
                message = await subscription.next_msg(timeout=2)
            except nats.errors.TimeoutError:
                break
            envelope = json.loads(message.data)
            organisation = envelope.get("organisationid")
            if organisation not in organisations:
                continue
            events += 1
            sequence = int(envelope["sequence"])
            if sequence <= last.get(organisation, 0):
                out_of_order += 1
            last[organisation] = sequence
        return {"events": events, "out_of_order": out_of_order}
    finally:
        await nc.close()


async def _replica_arrivals(ctx: Context, organisations: set[str], expected: int) -> dict[str, Any]:
    """Two replicas of a servicekit consumer on one durable consumer and one database."""
    import nats
    from servicekit.consumer import EventConsumer
    from servicekit.database import Database
    from servicekit.executor import StoreExecutor
    from servicekit.tables import create_bookkeeping_tables
    from sqlalchemy import Column, Integer, MetaData, String, Table, select

    metadata = MetaData()
    arrivals = Table(
        "arrivals",
        metadata,
        Column("position", Integer, primary_key=True, autoincrement=True),
        Column("replica", String(8)),
        Column("organisation", String(36)),
        Column("sequence", Integer),
    )
    database = Database(f"sqlite:///{ctx.cluster.var_dir / 'ordering.db'}")
    metadata.create_all(database.engine)
    create_bookkeeping_tables(database.engine)
    connections = []
    consumers = []
    tasks = []
    for replica in ("a", "b"):

        def record(session: Any, envelope: Any, _event: Any, replica: str = replica) -> None:
            if envelope.organisationid in organisations:
                session.execute(
                    arrivals.insert().values(
                        replica=replica,
                        organisation=envelope.organisationid,
                        sequence=envelope.sequence,
                    )
                )

        nc = await nats.connect(ctx.cluster.nats.url.split(","), max_reconnect_attempts=-1)
        connections.append(nc)
        consumer = EventConsumer(
            durable="chaos-ordering",
            subject="events.organisation.OrganisationDetailsChanged",
            database=database,
            executor=StoreExecutor(f"ordering-{replica}", database),
            effect=record,
            ack_wait_seconds=5,
        )
        consumer.use_lease(5.0, replicas=3)
        consumer.bind_jetstream(nc.jetstream())
        consumers.append(consumer)
        tasks.append(asyncio.create_task(consumer.run()))
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with database.transaction(commit=False) as session:
                rows = session.execute(
                    select(
                        arrivals.c.replica, arrivals.c.organisation, arrivals.c.sequence
                    ).order_by(arrivals.c.position)
                ).all()
            if len(rows) >= expected:
                break
            await asyncio.sleep(1.0)
    finally:
        for consumer in consumers:
            consumer.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await connections[0].jetstream().delete_consumer("EVENTS", "chaos-ordering")
        for nc in connections:
            await nc.close()
    last: dict[str, int] = {}
    out_of_order = 0
    split: dict[str, int] = {}
    for replica, organisation, sequence in rows:
        split[replica] = split.get(replica, 0) + 1
        if sequence <= last.get(organisation, 0):
            out_of_order += 1
        last[organisation] = sequence
    return {"applied": len(rows), "out_of_order": out_of_order, "split": split}


def _read_model_names(ctx: Context, organisations: list[str]) -> dict[str, str]:
    """The names notifications' read model holds (built by both its replicas)."""
    import psycopg

    with psycopg.connect(ctx.cluster.databases.url("notifications")) as connection:
        rows = connection.execute(
            "SELECT organisation_id, name FROM known_organisations WHERE organisation_id = ANY(%s)",
            (organisations,),
        ).fetchall()
    return {str(o): str(n) for o, n in rows}

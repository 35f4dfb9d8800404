"""The chaos scenarios: each drives the cluster through a fault and returns one row of figures."""

from __future__ import annotations

import asyncio
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
    sign_up,
    sign_up_many,
    wait_for_mails,
    wait_quiet,
    wait_ready,
)


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
    """Lost and duplicated verification mails of the accepted sign-ups."""
    counts, waited = await wait_for_mails(ctx.sink, accepted, timeout)
    return {
        "accepted": len(accepted),
        "lost": len(accepted - set(counts)),
        "duplicated": sum(n - 1 for n in counts.values()),
        "mail_wait_s": round(waited, 1),
    }


async def kill_storm(ctx: Context, count: int, kills: int, concurrency: int) -> Row:
    """SIGKILL random service processes (and one NATS node) while sign-ups go through."""
    cluster = ctx.cluster
    before_redeliveries = await redeliveries(cluster)
    duplicates_before = ctx.sink.duplicates()
    result = SignUps()
    progress: asyncio.Queue[int] = asyncio.Queue()
    started = time.monotonic()
    load = asyncio.create_task(
        sign_up_many(ctx.gateways, addresses("storm", count), result, concurrency, progress)
    )
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
        threshold = (k + 1) * count // (kills + 1)
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
        }
    )
    passed = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and figures["mail_copies_same_message_id"] == 0
        and not result.refused
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
    await asyncio.to_thread(cluster.nats.start_all)
    recovery = await wait_ready(ctx.gateways, 300)
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
    await asyncio.to_thread(cluster.databases.cut)
    started = time.monotonic()
    polls = not_ready = 0
    answers: dict[str, int] = {}
    try:
        while time.monotonic() - started < seconds:
            statuses = await ready_status(ctx.gateways)
            polls += 1
            not_ready += all(s == 503 for s in statuses)
            address = f"pg-during-{polls}@chaos.example.nl"
            body = {"email": address, "password": "correct horse battery staple", "full_name": "X"}
            status, response = await ctx.gateways.request(
                "POST", "/api/v1/registrations", json=body
            )
            kind = response.headers.get("content-type", "") if response is not None else ""
            key = f"{status} {kind.split(';')[0]}"
            answers[key] = answers.get(key, 0) + 1
            await asyncio.sleep(1.0)
    finally:
        await asyncio.to_thread(cluster.databases.restore)
    recovery = await wait_ready(ctx.gateways, 300)
    after = SignUps()
    await sign_up_many(ctx.gateways, addresses(f"pg{int(seconds)}-after", batch), after, 8)
    figures = await _mails_for(ctx, result.accepted | after.accepted, timeout=300)
    figures.update(
        {
            "outage_s": seconds,
            "ready_503_polls": f"{not_ready}/{polls}",
            "sign_up_answers_during": answers,
            "recovery_s": None if recovery is None else round(recovery, 1),
        }
    )
    problem_503 = all(k.startswith("503 application/problem+json") for k in answers)
    passed = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and not_ready == polls
        and recovery is not None
        and problem_503
    )
    return Row(f"PostgreSQL outage {int(seconds)} s", passed, figures)


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
            "exit_codes": dict(zip(victims, codes, strict=True)),
        }
    )
    passed = figures["lost"] == 0 and figures["duplicated"] == 0 and failed == 0
    return Row("graceful shutdown (SIGTERM)", passed, figures)


async def _account(ctx: Context, tag: str) -> str:
    """A verified user with a session; the access token."""
    address = f"{tag}@chaos.example.nl"
    result = SignUps()
    await sign_up(ctx.gateways, address, result)
    counts, _ = await wait_for_mails(ctx.sink, {address}, 60)
    assert counts, f"no verification mail for {address}"
    token = _token_of(ctx, address)
    status, _ = await ctx.gateways.request(
        "POST", "/api/v1/registrations/verify", json={"token": token}
    )
    assert status == 200, f"verify answered {status}"
    status, response = await ctx.gateways.request(
        "POST",
        "/api/v1/sessions",
        json={"email": address, "password": "correct horse battery staple"},
    )
    assert status == 201 and response is not None, f"login answered {status}"
    access: str = response.json()["access_token"]
    return access


def _token_of(ctx: Context, address: str) -> str:
    import re

    from devstack.smtp_sink import read_mails

    for mail in read_mails(ctx.cluster.maildir):
        if address in str(mail["To"]) and mail["X-Notification-Kind"] == "email_verification":
            body = mail.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"token=([A-Za-z0-9_\-]+)", body.get_content())
            if found:
                return found.group(1)
    raise AssertionError(f"no token for {address}")


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
    for n in range(rounds):
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
            "rounds": rounds,
            "writers": writers,
            "statuses": statuses,
            "rounds_with_409": rounds_with_conflict,
            "loser_visible": loser_visible,
        },
    )

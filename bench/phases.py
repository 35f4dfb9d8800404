"""The measured phases against a running stack: setup, max throughput, fixed rate."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from devstack.stack import Stack

from bench.diagnose import PhaseMeter
from bench.load import (
    Run,
    closed_loop,
    mail_count,
    open_loop,
    poster,
    registration,
    tokens_in_mails,
    wait_until,
)
from bench.observe import Effects, Journey, journeys, published_verifications
from bench.stats import latency_of

REGISTER = "/api/v1/registrations"
VERIFY = "/api/v1/registrations/verify"
OPEN_LOOP_IN_FLIGHT = 64


def _say(text: str) -> None:
    print(f"  .. {text}", flush=True)


async def register_users(stack: Stack, run_id: str, users: int, concurrency: int) -> dict[str, Any]:
    """Sign up `users` over HTTP, wait for every verification mail; the figures and tokens."""
    bodies = (registration(run_id, i) for i in range(users))
    async with poster(stack.gateway_url, concurrency) as post:
        run = await closed_loop(post, REGISTER, bodies, concurrency)
    answered = run.ended_at - run.started_at
    _say(f"{len(run.ok)} sign-ups answered in {answered:.1f} s; waiting for the mails")
    await _await_mails(stack, len(run.ok))
    mailed = time.time() - run.started_at
    tokens = tokens_in_mails(stack.maildir)
    return {
        "users": users,
        "concurrency": concurrency,
        "errors": run.errors,
        "http_seconds": answered,
        "registrations_per_second": len(run.ok) / answered,
        "http": latency_of([s.seconds for s in run.ok]).as_dict(),
        "all_mails_seconds": mailed,
        "mails_per_second": len(run.ok) / mailed,
        "tokens": tokens,
    }


async def _await_mails(stack: Stack, expected: int, stall_seconds: float = 30.0) -> None:
    """Wait for `expected` mails; give up with the services' logs when none came for a while."""
    seen, last_change = -1, time.perf_counter()
    while (count := mail_count(stack.maildir)) < expected:
        if count != seen:
            seen, last_change = count, time.perf_counter()
        elif time.perf_counter() - last_change > stall_seconds:
            raise TimeoutError(
                f"{count}/{expected} mails, none for {stall_seconds:.0f} s\n{stack.log_tails()}"
            )
        await asyncio.sleep(0.5)


@dataclass
class Phase:
    """One measured phase: its HTTP run and how many effects it must produce."""

    name: str
    run: Run
    effects_before: int
    diagnosis: dict[str, Any]


async def _await_effects(effects: Effects, phase: Phase, timeout: float) -> float:
    target = phase.effects_before + len(phase.run.ok)
    return await wait_until(
        lambda: effects.verified_count() >= target, timeout, f"{phase.name} effects", 0.02
    )


async def max_throughput(
    stack: Stack,
    effects: Effects,
    tokens: list[str],
    concurrency: int,
    meter: PhaseMeter,
    kind: str,
) -> Phase:
    """Verify `tokens` with `concurrency` requests in flight; wait for every effect."""
    before = effects.verified_count()
    bodies = [{"token": token} for token in tokens]
    await meter.start()
    async with poster(stack.gateway_url, concurrency, kind) as post:
        run = await closed_loop(post, VERIFY, bodies, concurrency)
    phase = Phase("max-throughput", run, before, {})
    drain = await _await_effects(effects, phase, 300)
    phase.diagnosis = await meter.stop()
    _say(f"{len(run.ok)} verifications answered; effects drained {drain:.2f} s after")
    return phase


async def fixed_rate(
    stack: Stack, effects: Effects, tokens: list[str], rate: float, meter: PhaseMeter, kind: str
) -> Phase:
    """Verify `tokens` open loop at `rate` per second; wait for every effect."""
    before = effects.verified_count()
    bodies = [{"token": token} for token in tokens]
    await meter.start()
    async with poster(stack.gateway_url, OPEN_LOOP_IN_FLIGHT, kind) as post:
        run = await open_loop(post, VERIFY, bodies, rate, OPEN_LOOP_IN_FLIGHT)
    phase = Phase("fixed-rate", run, before, {})
    drain = await _await_effects(effects, phase, 300)
    phase.diagnosis = await meter.stop()
    _say(f"{len(run.ok)} verifications at {rate:.0f}/s; effects drained {drain:.2f} s after")
    return phase


async def warm_up(stack: Stack, tokens: list[str], kind: str) -> None:
    """A few verifications so the first measured ones do not pay for cold caches."""
    async with poster(stack.gateway_url, 8, kind) as post:
        await closed_loop(post, VERIFY, [{"token": token} for token in tokens], 8)


async def trace(stack: Stack, effects: Effects, phases: list[Phase]) -> list[dict[str, Any]]:
    """Per phase: HTTP latency, event-to-effect and its legs (relay, consumer), throughput."""
    wanted = sum(len(p.run.ok) for p in phases) + 1000
    published = await published_verifications(stack.nats_url, wanted)
    applied = effects.processed_at()
    figures: list[dict[str, Any]] = []
    for phase in phases:
        run = phase.run
        user_ids = [s.user_id for s in run.ok if s.user_id]
        traced, missing = journeys(user_ids, published, applied)
        figures.append(_phase_figures(phase, traced, missing))
    return figures


def _phase_figures(phase: Phase, traced: list[Journey], missing: int) -> dict[str, Any]:
    run = phase.run
    ok = len(run.ok)
    http_seconds = run.ended_at - run.started_at
    last_effect = max((j.effect_at for j in traced), default=float("nan"))
    return {
        "name": phase.name,
        "commands": len(run.samples),
        "errors": run.errors,
        "error_statuses": dict(
            Counter(s.error or s.status for s in run.samples if not 200 <= s.status < 300)
        ),
        "late_starts": run.late_starts,
        "http_seconds": http_seconds,
        "http_per_second": ok / http_seconds,
        "end_to_end_seconds": last_effect - run.started_at,
        "end_to_end_per_second": ok / (last_effect - run.started_at),
        "http": latency_of([s.seconds for s in run.ok]).as_dict(),
        "event_to_effect": latency_of([j.total for j in traced]).as_dict(),
        "relay_leg": latency_of([j.relay for j in traced]).as_dict(),
        "consumer_leg": latency_of([j.consumer for j in traced]).as_dict(),
        "untraced": missing,
        "diagnosis": phase.diagnosis,
    }

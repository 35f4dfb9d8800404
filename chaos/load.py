"""The load gate: the cluster's capacity, then a steady rate at 70 % of it for minutes.

The mix is what a busy front end sends: reading the profile and an organisation (4 in 5) and
changing an organisation's name (1 in 5: a command, an event appended, relayed and consumed).
Capacity is the rate of good answers of a closed loop (64 requests in flight). The gate is an
open loop: requests leave on a fixed schedule whatever the answers do, and latency counts from
the scheduled moment, so a stall shows as latency rather than as a lower rate.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from chaos.driver import p95
from chaos.scenarios import Context, Row, _account

ORGANISATIONS = 32


@dataclass
class Tally:
    """Answers of one phase."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Every request sent."""
        return len(self.latencies) + sum(self.errors.values())

    @property
    def error_share(self) -> float:
        """Non-2xx answers (and no answers) as a share of every request."""
        return sum(self.errors.values()) / self.requests if self.requests else 0.0


class Mix:
    """One account with its organisations; `send(n)` sends the n-th request of the mix."""

    def __init__(self, ctx: Context, headers: dict[str, str], organisations: list[str]) -> None:
        self.ctx = ctx
        self.headers = headers
        self.organisations = organisations
        self.writing: set[str] = set()

    async def send(self, n: int, tally: Tally, scheduled: float | None = None) -> None:
        """One request; its latency from `scheduled` (open loop) or from now (closed loop)."""
        started = scheduled if scheduled is not None else time.monotonic()
        organisation = self.organisations[n % len(self.organisations)]
        path = f"/api/v1/organisations/{organisation}"
        # A change of an organisation another change of it is still busy with would be a
        # conflict of our own making (409): read it instead.
        if n % 5 == 4 and organisation not in self.writing:
            self.writing.add(organisation)
            try:
                status, _ = await self.ctx.gateways.request(
                    "PATCH", path, json={"name": f"Load {n}"}, headers=self.headers
                )
            finally:
                self.writing.discard(organisation)
        elif n % 2:
            status, _ = await self.ctx.gateways.request("GET", "/api/v1/me", headers=self.headers)
        else:
            status, _ = await self.ctx.gateways.request("GET", path, headers=self.headers)
        if 200 <= status < 300:
            tally.latencies.append(time.monotonic() - started)
        else:
            tally.errors[status] = tally.errors.get(status, 0) + 1


async def _mix(ctx: Context) -> Mix:
    token = await _account(ctx, "load")
    headers = {"Authorization": f"Bearer {token}"}
    organisations = []
    for n in range(ORGANISATIONS):
        body = {
            "name": f"Load {n}",
            "address": {
                "street": "Damrak",
                "house_number": str(n + 1),
                "postal_code": "1012 LG",
                "city": "Amsterdam",
                "country": "NL",
            },
        }
        status, response = await ctx.gateways.request(
            "POST", "/api/v1/organisations", json=body, headers=headers
        )
        assert status == 201 and response is not None, f"adding answered {status}"
        organisations.append(response.json()["id"])
    return Mix(ctx, headers, organisations)


async def capacity(mix: Mix, seconds: float, in_flight: int = 64) -> float:
    """Good answers per second of a closed loop with `in_flight` requests at a time."""
    tally = Tally()
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    async def loop() -> None:
        while time.monotonic() < deadline:
            await mix.send(next(counter), tally)

    started = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(in_flight)))
    return len(tally.latencies) / (time.monotonic() - started)


async def steady(mix: Mix, rate: float, seconds: float) -> Tally:
    """An open loop at `rate` requests per second for `seconds`."""
    tally = Tally()
    pending: set[asyncio.Task[None]] = set()
    started = time.monotonic()
    n = 0
    while True:
        scheduled = started + n / rate
        if scheduled - started >= seconds:
            break
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(mix.send(n, tally, scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)
        n += 1
    await asyncio.gather(*pending)
    return tally


async def load_gate(ctx: Context, minutes: float, share: float = 0.7) -> Row:
    """Measure capacity, then `minutes` at `share` of it: < 1 % errors and p95 < 500 ms."""
    mix = await _mix(ctx)
    await capacity(mix, 5)  # warm up: connections, caches
    measured = await capacity(mix, 30)
    rate = measured * share
    tally = await steady(mix, rate, minutes * 60)
    latency = p95(tally.latencies) * 1000
    figures = {
        "capacity_per_s": round(measured, 1),
        "rate_per_s": round(rate, 1),
        "minutes": minutes,
        "requests": tally.requests,
        "errors": tally.errors,
        "error_pct": round(tally.error_share * 100, 2),
        "p50_ms": round(sorted(tally.latencies)[len(tally.latencies) // 2] * 1000)
        if tally.latencies
        else None,
        "p95_ms": round(latency),
    }
    passed = tally.error_share < 0.01 and latency < 500
    return Row(f"load gate ({int(share * 100)} % of capacity)", passed, figures)

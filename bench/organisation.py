"""bench/organisation: directory lookups per second against a bare Litestar route.

    python -m bench.organisation [--concurrency 8] [--seconds 12] [--participants 20]

In one run on this machine:

- The whole system as processes (devstack: own nats-server, SMTP sink and fake KvK register on
  free ports), one environment admin, `--participants` organisations added from the fake KvK
  register, activated (automatic verification) and switched to receiving.
- GET /api/v1/directory/0106:<kvk number> (public, no token), the participants taken in turn,
  against GET /bare of a bare Litestar app served by uvicorn in its own process: same client,
  same concurrency, alternating halves (bare, directory, bare, directory).
- CPU per process in every half, RSS of every process at the end.

Prints the figures with the target (directory/s >= 0.5 x bare/s) and writes the JSON to
var/bench/organisation-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from bench.identity import bare_litestar, measured_phase, merged, sign_up_users
from bench.load import PASSWORD
from bench.rawrequest import RequestClient
from bench.report import write_json
from bench.stats import memory_of
from bench.system import System, code_state

DIRECTORY_SHARE = 0.5


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=12.0, help="per phase, in two halves")
    parser.add_argument("--participants", type=int, default=20)
    return parser.parse_args(argv)


def register_numbers(count: int) -> list[str]:
    """KvK numbers the fake register knows (no error cases)."""
    data = json.loads(
        resources.files("devstack.kvk_fake").joinpath("organisations.json").read_text("utf-8")
    )
    numbers = [r["kvkNummer"] for r in data["registrations"] if "fout" not in r]
    return numbers[:count]


async def receiving_participants(base_url: str, email: str, count: int) -> list[str]:
    """Organisations from the register, active and receiving; their participant ids."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        login = await http.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        participants = []
        for number in register_numbers(count):
            added = await http.post(
                "/api/v1/organisations", json={"kvk_number": number}, headers=headers
            )
            added.raise_for_status()
            path = f"/api/v1/organisations/{added.json()['id']}"
            (await http.post(f"{path}/activation", headers=headers)).raise_for_status()
            on = await http.put(f"{path}/receiving", json={"enabled": True}, headers=headers)
            on.raise_for_status()
            participants.append(f"0106:{number}")
        deadline = time.monotonic() + 30
        for participant in participants:
            while (await http.get(f"/api/v1/directory/{participant}")).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{participant} never appeared in the directory")
                await asyncio.sleep(0.1)
    return participants


async def drive(args: argparse.Namespace, system: System) -> dict[str, Any]:
    stack = system.stack
    run_id = datetime.now(UTC).strftime("%H%M%S")
    [email] = await sign_up_users(stack.gateway_url, stack.maildir, run_id, 1)
    participants = await receiving_participants(stack.gateway_url, email, args.participants)
    pids = system.pids()
    client = RequestClient(stack.gateway_url, args.concurrency)

    async def lookup(i: int) -> tuple[int, bytes]:
        return await client.get(f"/api/v1/directory/{participants[i % len(participants)]}")

    status, body = await lookup(0)
    if status != 200:
        raise RuntimeError(f"directory lookup answered {status}: {body[:200]!r}")
    with bare_litestar() as (bare_url, bare_process):
        bare_client = RequestClient(bare_url, args.concurrency)

        async def bare(i: int) -> tuple[int, bytes]:
            return await bare_client.get("/bare")

        both = {**pids, "bare-litestar": bare_process.pid}
        for warm in (bare, lookup):
            for i in range(200):
                await warm(i)
        each = args.seconds / 2
        bare_halves: list[dict[str, Any]] = []
        directory_halves: list[dict[str, Any]] = []
        for _ in range(2):
            bare_halves.append(await measured_phase(bare, args.concurrency, each, both))
            directory_halves.append(await measured_phase(lookup, args.concurrency, each, both))
        bare_memory = memory_of(bare_process.pid)
        await bare_client.aclose()
    await client.aclose()
    return {
        "benchmark": "organisation",
        "at": datetime.now(UTC).isoformat(),
        "code": code_state(),
        "settings": vars(args),
        "bare_litestar": {"halves": bare_halves, "merged": merged(bare_halves)},
        "directory": {"halves": directory_halves, "merged": merged(directory_halves)},
        "memory": system.memory(),
        "bare_memory_mib": None if bare_memory is None else asdict(bare_memory),
    }


def report(record: dict[str, Any], path: Path) -> bool:
    bare = record["bare_litestar"]["merged"]
    directory = record["directory"]["merged"]
    ratio = directory["per_second"] / bare["per_second"] if bare["per_second"] else 0.0
    passed = ratio >= DIRECTORY_SHARE and directory["errors"] == 0
    lines = [
        "bench/organisation: directory lookups against bare Litestar (same run, same client)",
        f"  bare Litestar GET   {bare['per_second']:8.0f}/s  p50 {bare['p50_ms']:.2f} ms"
        f"  p99 {bare['p99_ms']:.2f} ms  errors {bare['errors']}",
        f"  GET /directory      {directory['per_second']:8.0f}/s  p50 {directory['p50_ms']:.2f} ms"
        f"  p99 {directory['p99_ms']:.2f} ms  errors {directory['errors']}",
        f"  target: directory/s >= {DIRECTORY_SHARE} x bare/s: {ratio:.2f}x "
        f"{'PASS' if passed else 'MISS'}",
        "  memory (RSS MiB): "
        + ", ".join(
            f"{name} {figures['rss_mib']:.0f}"
            for name, figures in (record["memory"] or {}).items()
            if figures and figures.get("rss_mib") is not None
        ),
        f"  JSON: {path}",
    ]
    print("\n".join(lines))
    record["target"] = {"ratio": ratio, "wanted": DIRECTORY_SHARE, "passed": passed}
    return passed


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="bench-organisation-") as scratch:
        system = System(Path(scratch))
        with system.running():
            record = asyncio.run(drive(args, system))
    path = write_json(record, Path("var/bench") / f"organisation-{int(time.time())}.json")
    report(record, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""bench/pipeline: HTTP -> event store -> relay -> JetStream -> consumer effect.

    python -m bench.pipeline [--users N] [--concurrency C] [--rate 200] [--rate-seconds 15]

Measures, in this order and in one run: the event store alone (one event per save), JetStream
alone (awaited and pipelined publishes), the production argon2 hash; then the whole system as
processes: sign-ups for the setup, e-mail verifications at full speed and at a fixed rate.
Prints the report and writes it as JSON to var/bench/pipeline-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import structlog

from bench import phases
from bench.diagnose import PhaseMeter, others_busy_cores
from bench.observe import Effects
from bench.reference import argon2_hash_time, event_store_saves, jetstream_publishes
from bench.report import print_report, rate_kept, targets, write_json
from bench.system import PRODUCTION_ARGON2, SETUP_ARGON2, System, code_state

WARMUP_USERS = 100


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--users", type=int, default=6000, help="users to sign up (N)")
    parser.add_argument("--concurrency", type=int, default=32, help="max-throughput in flight")
    parser.add_argument("--rate", type=float, default=200.0, help="fixed-rate commands/s")
    parser.add_argument("--rate-seconds", type=float, default=15.0, help="fixed-rate duration")
    parser.add_argument("--setup-concurrency", type=int, default=32)
    parser.add_argument("--store-saves", type=int, default=3000, help="reference A saves")
    parser.add_argument("--publishes", type=int, default=5000, help="reference B publishes")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="HTTP client of the measured phases (sign-ups always use httpx); raw costs less CPU",
    )
    parser.add_argument(
        "--profile",
        type=lambda text: [name for name in text.split(",") if name],
        default=[],
        metavar="SERVICE,...",
        help="diagnosis only: sample these services' stacks during the measured phases",
    )
    args = parser.parse_args(argv)
    wanted = int(args.rate * args.rate_seconds)
    if args.users // 2 < wanted:
        print(
            f"note: N/2 = {args.users // 2} < rate x seconds = {wanted}; the rate phase "
            "ends when the tokens run out",
            file=sys.stderr,
        )
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def references(args: argparse.Namespace) -> dict[str, Any]:
    """Reference A, B and the argon2 hash, each with nothing else of ours running."""
    print("Reference A: event store alone, one event per save ...", flush=True)
    store = event_store_saves(args.store_saves)
    print("Reference B: JetStream alone, awaited and pipelined publishes ...", flush=True)
    jetstream = jetstream_publishes(args.publishes, args.publishes * 4)
    print("Production argon2 hash (t=3, m=64 MiB, p=4) ...", flush=True)
    argon2 = argon2_hash_time(**PRODUCTION_ARGON2, hashes=5)
    return {
        "event_store": {**asdict(store), "per_second": store.per_second},
        "jetstream": {
            **asdict(jetstream),
            "awaited_per_second": jetstream.awaited_per_second,
            "pipelined_per_second": jetstream.pipelined_per_second,
        },
        "argon2_production": asdict(argon2),
    }


async def drive(system: System, args: argparse.Namespace, run_id: str) -> dict[str, Any]:
    """Setup, then the two measured phases; every figure of the system run."""
    stack = system.stack
    total = args.users + WARMUP_USERS
    print(f"Setup: {total} sign-ups over HTTP (argon2 lowered) ...", flush=True)
    setup = await phases.register_users(stack, run_id, total, args.setup_concurrency)
    tokens: list[str] = setup.pop("tokens")
    if len(tokens) < total:
        raise RuntimeError(f"only {len(tokens)} tokens in {total} mails")
    sampled = await asyncio.to_thread(system.restart_for_measurement, args.profile)
    warmup, tokens = tokens[:WARMUP_USERS], tokens[WARMUP_USERS:]
    await phases.warm_up(stack, warmup, args.client)
    effects = Effects(stack.var_dir / "notifications.db")
    half = args.users // 2
    await asyncio.sleep(2.0)  # let the mail dispatcher and WAL checkpoints settle
    print(f"Max throughput: {half} verifications, {args.concurrency} in flight ...", flush=True)
    meter = PhaseMeter(system.pids(), stack.nats_url, sampled)
    peak = await phases.max_throughput(
        stack, effects, tokens[:half], args.concurrency, meter, args.client
    )
    await asyncio.sleep(2.0)
    rate_tokens = tokens[half:][: int(args.rate * args.rate_seconds)]
    print(f"Fixed rate: {len(rate_tokens)} verifications at {args.rate:.0f}/s ...", flush=True)
    steady = await phases.fixed_rate(stack, effects, rate_tokens, args.rate, meter, args.client)
    traced = await phases.trace(stack, effects, [peak, steady])
    return {"setup": setup, "max_throughput": traced[0], "fixed_rate": traced[1]}


def main(argv: list[str] | None = None) -> int:
    """Run every phase, print the report, write the JSON; stop everything whatever happens."""
    args = parse(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    # Ctrl-C and SIGTERM both end in the same clean stop (SIGINT explicitly: a shell that
    # starts us in the background leaves it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path("var/bench")
    record: dict[str, Any] = {
        "benchmark": "pipeline",
        "started": stamp,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "database": "sqlite (default)",
        "args": vars(args),
        "code": code_state(),
        "argon2_setup": SETUP_ARGON2,
        "warmup_users": WARMUP_USERS,
    }
    began = time.perf_counter()
    record["others_busy_cores_before"] = others = others_busy_cores()
    if others > 0.2:
        print(
            f"WARNING: other processes keep {others:.2f} cores busy; figures will suffer and "
            "vary. Compare within one run, and prefer a quiet machine.",
            flush=True,
        )
    # Outside the work tree's var/: a `make clean` elsewhere must not pull the floor away.
    var_dir = Path(tempfile.mkdtemp(prefix=f"bench-pipeline-{stamp}-"))
    system = System(var_dir)
    try:
        record["reference"] = references(args)
        print(f"Starting the stack in {var_dir} (logs in {var_dir / 'logs'}) ...", flush=True)
        with system.running():
            record.update(asyncio.run(drive(system, args, stamp.lower())))
            record["memory_mib"] = system.memory()
    except KeyboardInterrupt:
        print("interrupted: everything started was stopped", file=sys.stderr)
        return 130
    record["stack_dir"] = str(var_dir)
    record["wall_seconds"] = time.perf_counter() - began
    record["targets"] = targets(record)
    record["info"] = [rate_kept(record)]
    path = write_json(record, out_dir / f"pipeline-{stamp}.json")
    print_report(record, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

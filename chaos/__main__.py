"""`python -m chaos` (`make chaos`): faults against the scale-out topology, then a table.

    python -m chaos                      # the full suite (10,000 sign-ups and 10,000 invoices
                                         # in the storm, NATS outages of 10/60/180 s)
    python -m chaos --short              # the CI version: 600 sign-ups and 300 invoices,
                                         # a 10 s NATS outage, a 30 s load gate
    python -m chaos --only storm,conflict --sign-ups 2000
    python -m chaos --short --only storm,rebuild   # read models rebuilt after the kill storm

Starts its own topology (devstack.cluster: 3 NATS nodes, PostgreSQL databases of its own,
two processes a service), runs the scenarios one after another, prints a table and writes it
as JSON to var/chaos/result.json. Exits 1 when anything was lost or duplicated, or a scenario
did not behave as it must. PostgreSQL: CHAOS_POSTGRES_URL (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

from devstack.cluster import DEFAULT_POSTGRES_URL, ClusterStack
from devstack.logs import configure_logging

from chaos.driver import Gateways, Sink
from chaos.load import load_gate
from chaos.rebuild import rebuild_read_models
from chaos.scenarios import (
    Context,
    Row,
    concurrent_changes,
    graceful_shutdown,
    kill_storm,
    nats_outage,
    ordering,
    postgres_outage,
)

SCENARIOS = ["conflict", "ordering", "storm", "rebuild", "nats", "postgres", "drain", "load"]
# Short acknowledgement waits: a message a killed process held is redelivered within seconds.
# Cheaper password hashes: the suite is about the bus and the stores, and argon2's default cost
# would make 10,000 sign-ups take most of an hour on a small machine.
CLUSTER_ENV = {
    "CONSUMER_ACK_WAIT_SECONDS": "5",
    "VALIDATION_WORKERS": "1",
    "VALIDATION_WARM_START": "false",
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST_KIB": "8192",
    "ARGON2_PARALLELISM": "1",
    "LOG_LEVEL": "WARNING",
    # A replica killed mid-rebuild shows as failed after this long (chaos.rebuild waits it out).
    "READ_MODEL_REBUILD_LEASE_SECONDS": "10",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--short", action="store_true", help="the CI version")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--sign-ups", type=int, default=None, help="sign-ups in the kill storm")
    parser.add_argument(
        "--invoices",
        type=int,
        default=None,
        help="invoices in the kill storm (default 10,000; 300 with --short; 0: none)",
    )
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--outages", default=None, help="NATS outages in seconds, e.g. 10,60,180")
    parser.add_argument("--postgres-outage", type=float, default=30.0)
    parser.add_argument("--load-minutes", type=float, default=None, help="the load gate's length")
    parser.add_argument(
        "--allow-resent-mail",
        action="store_true",
        help="a mail resent with the same Message-ID (notifications' known window) does not "
        "fail the kill storm (implied by --short); it is still counted",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--var-dir", type=Path, default=Path("var/chaos"))
    parser.add_argument(
        "--postgres-url", default=os.environ.get("CHAOS_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    return parser


async def run(args: argparse.Namespace, cluster: ClusterStack) -> list[Row]:
    """Every chosen scenario in turn, on one running cluster."""
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    sign_ups = args.sign_ups or (600 if args.short else 10_000)
    outages = [float(s) for s in (args.outages or ("10" if args.short else "10,60,180")).split(",")]
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    print(f"chaos: seed {seed}", flush=True)
    gateways = Gateways(cluster.gateway_urls)
    ctx = Context(cluster, gateways, Sink(cluster.maildir), random.Random(seed))
    rows: list[Row] = []
    try:
        for name in chosen:
            started = time.monotonic()
            print(f"chaos: {name} ...", flush=True)
            if name == "storm":
                allow = args.allow_resent_mail or args.short
                invoices = args.invoices
                if invoices is None:
                    invoices = 300 if args.short else 10_000
                rows.append(await kill_storm(ctx, sign_ups, args.kills, 32, allow, invoices))
            elif name == "rebuild":
                organisations, kills = (40, 4) if args.short else (200, 10)
                rows.append(await rebuild_read_models(ctx, organisations, kills))
            elif name == "nats":
                for seconds in outages:
                    rows.append(await nats_outage(ctx, seconds))
            elif name == "postgres":
                rows.append(await postgres_outage(ctx, args.postgres_outage))
            elif name == "conflict":
                rows.append(await concurrent_changes(ctx, rounds=20 if args.short else 100))
            elif name == "ordering":
                rows.append(await ordering(ctx, organisations=10, changes=100))
            elif name == "load":
                minutes = args.load_minutes or (0.5 if args.short else 10.0)
                rows.append(await load_gate(ctx, minutes))
            elif name == "drain":
                rows.append(await graceful_shutdown(ctx, 200 if args.short else 1000))
            else:
                raise SystemExit(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
            rows[-1].figures["scenario_s"] = round(time.monotonic() - started, 1)
            print(table(rows[-1:]), flush=True)
    finally:
        await gateways.close()
    return rows


def table(rows: list[Row]) -> str:
    """The rows as a plain text table."""
    lines = [f"{'scenario':<28} {'result':<6} figures"]
    for row in rows:
        figures = ", ".join(f"{k}={v}" for k, v in row.figures.items())
        lines.append(f"{row.scenario:<28} {'ok' if row.passed else 'FAIL':<6} {figures}")
        if row.note:
            lines.append(f"{'':<35} ({row.note})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Start the topology, run the scenarios, print the table; 1 on any failure."""
    args = _parser().parse_args(argv)
    configure_logging()
    var_dir = args.var_dir.absolute() / time.strftime("%Y%m%dT%H%M%S")
    cluster = ClusterStack(
        var_dir, postgres_url=args.postgres_url, extra_env=CLUSTER_ENV, drop_databases=True
    )
    started = time.monotonic()
    try:
        cluster.start()
        print(f"chaos: topology ready in {time.monotonic() - started:.0f} s", flush=True)
        rows = asyncio.run(run(args, cluster))
    finally:
        cluster.stop()
    print("\n" + table(rows))
    result = {"rows": [row.__dict__ for row in rows], "passed": all(r.passed for r in rows)}
    (args.var_dir / "result.json").write_text(json.dumps(result, indent=2, default=str))
    if result["passed"]:
        shutil.rmtree(var_dir, ignore_errors=True)
    else:
        print(f"chaos: logs kept in {var_dir}/logs", file=sys.stderr)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

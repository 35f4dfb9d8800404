"""bench/invoicing: submit-to-delivered end to end against the validation-only rate.

    python -m bench.invoicing [--seconds 20] [--concurrency 8] [--rate-seconds 20]

In one run on this machine:

- Reference: the invoicing service's own Validator (XSD + EN 16931 + Peppol Schematron via
  saxonche) validating the official base example in this process, one after another, for
  `--seconds`: the validation-only rate R (invoices/s). Measured with the stack idle.
- Throughput: the whole system as processes (devstack: own nats-server, SMTP sink, fake KvK
  register), a sender and a receiving organisation in two environments; `--concurrency`
  clients submit distinct invoices (the base example with a new number) for `--seconds`; the
  sustained rate is invoices delivered (InvoiceDelivered on the bus) per second from the first
  submission to the last delivery. Target >= 0.7 x R.
- Latency: an open loop at R/2 invoices per second for `--rate-seconds`; submit-to-delivered
  time per invoice (from sending the POST to its InvoiceDelivered event). Target p99 < 1 s.
- CPU per process in each phase; RSS of every process at the end.

Prints the figures with the targets and writes the JSON to var/bench/invoicing-<ts>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from invoicing.validation import load_validator, rules_dir_from

from bench.identity import CpuMeter, sign_up_users
from bench.load import PASSWORD
from bench.report import write_json
from bench.stats import latency_of
from bench.system import System, code_state

THROUGHPUT_SHARE = 0.7
P99_LIMIT_MS = 1000.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate-seconds", type=float, default=20.0)
    return parser.parse_args(argv)


def base_example(rules_dir: Path) -> str:
    return (rules_dir / "peppol-bis-3" / "rules" / "examples" / "base-example.xml").read_text()


def document(template: str, sender: str, recipient: str, number: str) -> bytes:
    """The base example from sender to recipient with its own number."""
    (s_scheme, s_value), (r_scheme, r_value) = sender.split(":", 1), recipient.split(":", 1)
    text = template.replace(
        '<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>',
        f'<cbc:EndpointID schemeID="{s_scheme}">{s_value}</cbc:EndpointID>',
    ).replace(
        '<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>',
        f'<cbc:EndpointID schemeID="{r_scheme}">{r_value}</cbc:EndpointID>',
    )
    return text.replace("<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1).encode()


def validation_rate(rules_dir: Path, template: str, seconds: float) -> dict[str, Any]:
    """The validation-only reference: our Validator, one invoice after another."""
    validator = load_validator(rules_dir)
    data = document(template, "0106:11111111", "0106:22222222", "REF-1")
    assert validator.validate(data).valid
    durations: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        began = time.perf_counter()
        validator.validate(data)
        durations.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - started
    return {
        "count": len(durations),
        "seconds": elapsed,
        "per_second": len(durations) / elapsed,
        "latency": latency_of(durations).as_dict(),
    }


@dataclass
class Deliveries:
    """InvoiceDelivered events by invoice id, with their arrival time (perf_counter)."""

    arrived: dict[str, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, invoice_ids: list[str], timeout: float) -> None:
        """Until every one of them was delivered, or the time is up."""
        deadline = time.perf_counter() + timeout
        while not all(i in self.arrived for i in invoice_ids):
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def follow(self, nats_url: str, stop: asyncio.Event) -> None:
        nc = await nats.connect(nats_url)

        async def on_message(message: Any) -> None:
            envelope = json.loads(message.data)
            self.arrived.setdefault(envelope["data"]["invoice_id"], time.perf_counter())
            self.changed.set()

        await nc.subscribe("events.invoicing.InvoiceDelivered", cb=on_message)
        await stop.wait()
        await nc.drain()


async def parties(base_url: str, maildir: Path, run_id: str) -> tuple[dict[str, str], str, str]:
    """A sender and a receiving organisation in two environments: (headers, path, recipient)."""
    sender_email, receiver_email = await sign_up_users(base_url, maildir, run_id, 2)
    numbers = register_numbers()
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        made = []
        for email, number, receiving in (
            (sender_email, numbers[0], False),
            (receiver_email, numbers[1], True),
        ):
            login = await http.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            added = await http.post(
                "/api/v1/organisations", json={"kvk_number": number}, headers=headers
            )
            added.raise_for_status()
            path = f"/api/v1/organisations/{added.json()['id']}"
            (await http.post(f"{path}/activation", headers=headers)).raise_for_status()
            if receiving:
                on = await http.put(f"{path}/receiving", json={"enabled": True}, headers=headers)
                on.raise_for_status()
            made.append((headers, path, f"0106:{number}"))
        deadline = time.monotonic() + 30
        while (await http.get(f"/api/v1/directory/{made[1][2]}")).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver never appeared in the directory")
            await asyncio.sleep(0.1)
    (headers, path, sender), (_, _, recipient) = made
    return headers, f"{path}/invoices", f"{sender}|{recipient}"


def register_numbers() -> list[str]:
    """Two KvK numbers the fake register knows (and finds no fault with)."""
    from importlib import resources

    data = json.loads(
        resources.files("devstack.kvk_fake").joinpath("organisations.json").read_text("utf-8")
    )
    return [r["kvkNummer"] for r in data["registrations"] if "fout" not in r][:2]


async def drive(
    args: argparse.Namespace,
    system: System,
    rules_dir: Path,
    template: str,
    reference: dict[str, Any],
) -> dict[str, Any]:
    stack = system.stack
    run_id = datetime.now(UTC).strftime("%H%M%S")
    headers, path, pair = await parties(stack.gateway_url, stack.maildir, run_id)
    sender, recipient = pair.split("|")
    deliveries = Deliveries()
    stop = asyncio.Event()
    follower = asyncio.create_task(deliveries.follow(stack.nats_url, stop))
    await asyncio.sleep(0.5)
    counter = iter(range(10**9))
    limits = httpx.Limits(
        max_connections=args.concurrency * 4, max_keepalive_connections=args.concurrency * 4
    )
    statuses: dict[str, int] = {}
    sent_at: dict[str, float] = {}

    async with httpx.AsyncClient(base_url=stack.gateway_url, limits=limits, timeout=60.0) as http:

        async def submit() -> str | None:
            number = f"BENCH-{run_id}-{next(counter):07d}"
            began = time.perf_counter()
            answer = await http.post(
                path,
                content=document(template, sender, recipient, number),
                headers={**headers, "Content-Type": "application/xml", "Idempotency-Key": number},
            )
            statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
            if answer.status_code != 202:
                return None
            invoice_id = str(answer.json()["id"])
            sent_at[invoice_id] = began
            return invoice_id

        async def validate() -> bool:
            number = f"CHECK-{run_id}-{next(counter):07d}"
            answer = await http.post(
                "/api/v1/validations",
                content=document(template, sender, recipient, number),
                headers={**headers, "Content-Type": "application/xml"},
            )
            return answer.status_code == 200 and bool(answer.json()["valid"])

        for _ in range(5):  # warm up every process on the path
            await submit()
            await validate()
        await asyncio.sleep(2)

        # -- the validation-only rate of the same system: POST /api/v1/validations ----------
        pids = system.pids_with_children()
        meter = CpuMeter(pids)
        meter.start()
        checked: list[bool] = []
        first = time.perf_counter()
        deadline = first + args.seconds

        async def checker() -> None:
            while time.perf_counter() < deadline:
                checked.append(await validate())

        await asyncio.gather(*(checker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - first
        validation_http = {
            "count": len(checked),
            "valid": sum(checked),
            "seconds": elapsed,
            "per_second": sum(checked) / elapsed,
            "cpu": meter.stop(),
        }
        await asyncio.sleep(1)

        # -- throughput: closed loop -------------------------------------------------------
        meter = CpuMeter(pids)
        meter.start()
        accepted: list[str] = []
        first = time.perf_counter()
        deadline = first + args.seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                invoice_id = await submit()
                if invoice_id:
                    accepted.append(invoice_id)

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        await deliveries.wait_for(accepted, 60.0)
        delivered = [deliveries.arrived[i] for i in accepted if i in deliveries.arrived]
        last = max(delivered) if delivered else time.perf_counter()
        throughput = {
            "submitted": len(accepted),
            "delivered": len(delivered),
            "seconds": last - first,
            "per_second": len(delivered) / (last - first) if delivered else 0.0,
            "submit_statuses": dict(statuses),
            "cpu": meter.stop(),
        }

        # -- latency: open loop at half the system's validation-only rate -------------------
        rate = validation_http["per_second"] / 2
        statuses.clear()
        meter = CpuMeter(pids)
        meter.start()
        timed: list[str] = []
        tasks = []
        start = time.perf_counter()
        n = int(rate * args.rate_seconds)
        for i in range(n):
            slot = start + i / rate
            delay = slot - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)

            async def one() -> None:
                invoice_id = await submit()
                if invoice_id:
                    timed.append(invoice_id)

            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        await deliveries.wait_for(timed, 60.0)
        seconds = [deliveries.arrived[i] - sent_at[i] for i in timed if i in deliveries.arrived]
        latency = {
            "rate_per_second": rate,
            "submitted": len(timed),
            "delivered": len(seconds),
            "submit_statuses": dict(statuses),
            "submit_to_delivered": latency_of(seconds).as_dict() if seconds else None,
            "cpu": meter.stop(),
        }
    stop.set()
    await follower
    return {
        "benchmark": "invoicing",
        "at": datetime.now(UTC).isoformat(),
        "code": code_state(),
        "settings": vars(args),
        "validation_only": reference,
        "validation_http": validation_http,
        "throughput": throughput,
        "latency": latency,
        "memory": system.memory(),
    }


def _cpu_ms_per(cpu: dict[str, Any], count: int) -> float:
    """CPU milliseconds of the system's processes (not this one) per item."""
    ours = {k: v for k, v in cpu["cpu_seconds"].items() if not k.startswith("bench")}
    return 1000 * sum(ours.values()) / count if count else float("inf")


def _per_process(over_http: dict[str, Any], throughput: dict[str, Any]) -> list[str]:
    """One line per process: its CPU per validation and per delivered invoice."""
    checked = over_http["cpu"]["cpu_seconds"]
    delivered = throughput["cpu"]["cpu_seconds"]
    lines = []
    for name in sorted(set(checked) | set(delivered), key=lambda n: -delivered.get(n, 0.0)):
        if name.startswith("bench"):
            continue
        each = [
            1000 * cpu.get(name, 0.0) / count if count else 0.0
            for cpu, count in ((checked, over_http["count"]), (delivered, throughput["delivered"]))
        ]
        lines.append(f"    {name:<24} {each[0]:6.2f} | {each[1]:6.2f}")
    return lines


def report(record: dict[str, Any], path: Path) -> None:
    in_process = record["validation_only"]["per_second"]
    over_http = record["validation_http"]
    reference = over_http["per_second"]
    throughput = record["throughput"]
    latency = record["latency"]
    ratio = throughput["per_second"] / reference if reference else 0.0
    p99 = (latency["submit_to_delivered"] or {}).get("p99_ms", float("inf"))
    p50 = (latency["submit_to_delivered"] or {}).get("p50_ms", float("inf"))
    lines = [
        "bench/invoicing: submit-to-delivered against validation only (same run)",
        f"  validation only, our Validator in one process   {in_process:7.1f}/s  "
        f"p50 {record['validation_only']['latency']['p50_ms']:.1f} ms",
        f"  validation only, POST /api/v1/validations       {reference:7.1f}/s  "
        f"({over_http['valid']}/{over_http['count']} valid, "
        f"{_cpu_ms_per(over_http['cpu'], over_http['count']):.1f} ms CPU each)",
        f"  submit -> delivered                             {throughput['per_second']:7.1f}/s  "
        f"({throughput['delivered']}/{throughput['submitted']} delivered, "
        f"{_cpu_ms_per(throughput['cpu'], throughput['delivered']):.1f} ms CPU each, "
        f"statuses {throughput['submit_statuses']})",
        f"  target: throughput >= {THROUGHPUT_SHARE} x validation only (same system): "
        f"{ratio:.2f}x {'PASS' if ratio >= THROUGHPUT_SHARE else 'MISS'} "
        f"(against the in-process Validator: {throughput['per_second'] / in_process:.2f}x)",
        f"  at {latency['rate_per_second']:.1f}/s (half the validation-only rate): "
        f"submit-to-delivered p50 {p50:.0f} ms p99 {p99:.0f} ms "
        f"({latency['delivered']}/{latency['submitted']})",
        f"  target: p99 < {P99_LIMIT_MS:.0f} ms: {'PASS' if p99 < P99_LIMIT_MS else 'MISS'}",
        "  CPU ms per item by process (validation each | submit -> delivered each):",
        *_per_process(over_http, throughput),
        "  memory (RSS MiB): "
        + ", ".join(
            f"{name} {figures['rss_mib']:.0f}"
            for name, figures in (record["memory"] or {}).items()
            if figures and figures.get("rss_mib") is not None
        ),
        f"  JSON: {path}",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    rules_dir = rules_dir_from(os.environ.get("EINVOICE_RULES_DIR"))
    if rules_dir is None:
        print("bench/invoicing needs the official rules: set EINVOICE_RULES_DIR", file=sys.stderr)
        return 2
    template = base_example(rules_dir)
    reference = validation_rate(rules_dir, template, args.seconds / 2)
    with tempfile.TemporaryDirectory(prefix="bench-invoicing-") as scratch:
        system = System(Path(scratch))
        system.stack.extra_env["EINVOICE_RULES_DIR"] = str(rules_dir)
        with system.running():
            record = asyncio.run(drive(args, system, rules_dir, template, reference))
    path = write_json(record, Path("var/bench") / f"invoicing-{int(time.time())}.json")
    report(record, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

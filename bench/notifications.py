"""bench/notifications: mails/s from event to SMTP sink against raw aiosmtplib sends to the same
sink, and event-to-mail latency at a fixed event rate.

    python -m bench.notifications [--mails 1000] [--rate 100] [--seconds 20] [--rounds 2]

In one run on this machine:

- The whole system as processes (devstack: own nats-server and SMTP sink on free ports), one
  user signed up and verified through the mails: an environment admin, so every
  InvoiceReceived of their environment is one mail to them (default preferences).
- Reference: raw aiosmtplib sends of the same mail (rendered by the notifications service's own
  composer, so the size and parts match) to the same sink, over 1 connection and over as many
  as the service uses (SMTP_CONNECTIONS); the better of the two is the reference.
- Throughput: `--mails` InvoiceReceived envelopes published to JetStream at once (as invoicing
  would), timed from the first publish until the sink has written the last mail. Reference and
  throughput alternate in `--rounds` rounds, so a neighbour's load meets both alike.
- Latency: InvoiceReceived at `--rate` events/s for `--seconds`; each mail's latency is the
  sink's file time (written) minus the moment its event was published.
- CPU of every process in each phase, RSS at the end.

Targets: pipeline mails/s >= 0.5 x raw aiosmtplib mails/s; event-to-mail p99 < 1 s at 100/s.
Prints the figures and writes the JSON to var/bench/notifications-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import nats
from contracts.envelope import Envelope
from contracts.events.invoicing import DocumentRef, InvoiceReceived
from nats.js import JetStreamContext
from notifications.domain.notification import notification_id
from notifications.mail.compose import ComposedMail, MailComposer
from notifications.settings import NotificationsSettings
from servicekit.sealing import new_private_key

from bench.diagnose import sample_lines
from bench.identity import (
    CpuMeter,
    collect_samples,
    restart_sampled,
    sign_up_users,
    start_sampling,
)
from bench.load import PASSWORD, wait_until
from bench.report import write_json
from bench.stats import latency_of
from bench.system import System, code_state

THROUGHPUT_SHARE = 0.5
LATENCY_P99_MS = 1000.0
DOCUMENT = DocumentRef(bucket="invoice_documents", name="bench", sha256="0" * 64, size=1)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000, help="per throughput round")
    parser.add_argument("--rate", type=float, default=100.0, help="events/s in the latency phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="of the latency phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="diagnosis only: sample the notifications service's stacks during the first "
        "pipeline burst (figures perturbed)",
    )
    return parser.parse_args(argv)


class Sink:
    """Which of the expected mails the sink has written, and when (the file's time)."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir

    def written(self, wanted: set[str]) -> dict[str, float]:
        """Notification id -> the moment its .eml file was written, for the ids present."""
        found: dict[str, float] = {}
        with os.scandir(self.maildir) as entries:
            for entry in entries:
                # <UTC stamp>-<Message-ID, "@" made "_">.eml; our Message-ID is <id>@domain.
                mail_id = entry.name.split("-", 1)[-1][:36]
                if mail_id in wanted:
                    found[mail_id] = entry.stat().st_mtime
        return found

    def present(self, wanted: set[str]) -> int:
        """How many of the expected mails are there (names only: no stat per file)."""
        with os.scandir(self.maildir) as entries:
            return sum(1 for e in entries if e.name.split("-", 1)[-1][:36] in wanted)

    def count(self, prefix: str) -> int:
        """How many files carry a Message-ID starting with `prefix`."""
        with os.scandir(self.maildir) as entries:
            return sum(1 for e in entries if e.name.split("-", 1)[-1].startswith(prefix))


class Publisher:
    """Publishes InvoiceReceived envelopes for one environment, as invoicing would."""

    def __init__(self, js: JetStreamContext, environment_id: str, recipient: str) -> None:
        self._js = js
        self._environment = uuid.UUID(environment_id)
        self._recipient = recipient
        self._organisation = uuid.uuid4()

    def envelope(self, number: int) -> Envelope:
        event = InvoiceReceived(
            invoice_id=uuid.uuid4(),
            organisation_id=self._organisation,
            environment_id=self._environment,
            document_type="Invoice",
            invoice_number=f"BENCH-{number:06d}",
            issue_date=date(2026, 11, 13),
            currency="EUR",
            payable_amount="1656.25",
            supplier_name="Bench Supplier BV",
            sender_participant_id="0106:12345678",
            recipient_participant_id="0106:87654321",
            document=DOCUMENT,
            received_at=datetime.now(UTC),
        )
        return Envelope.wrap(
            event,
            id=uuid.uuid4(),
            source="/bench",
            time=datetime.now(UTC),
            subject=event.invoice_id,
            sequence=1,
            correlation_id=f"bench-{number}",
            environment_id=self._environment,
            organisation_id=self._organisation,
        )

    def mail_id(self, envelope: Envelope) -> str:
        """The id (and Message-ID) of the mail the service will send for this event."""
        return str(notification_id(envelope.id, self._recipient))

    async def publish(self, envelope: Envelope) -> None:
        await self._js.publish(
            "events.invoicing.InvoiceReceived",
            envelope.to_json(),
            stream="EVENTS",
            # As a relay publishes: the correlation id rides along as a header too.
            headers={"Nats-Msg-Id": envelope.id, "X-Correlation-Id": envelope.correlationid or ""},
        )


def a_representative_mail(recipient: str) -> ComposedMail:
    """The mail the pipeline sends for one InvoiceReceived, written by its own composer."""
    settings = NotificationsSettings(notifications_private_key=new_private_key())
    row = {
        "mail_id": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "kind": "invoice_received",
        "recipient": recipient,
        "language": "en",
        "correlation_id": "bench",
        "context": {
            "full_name": "Bench User 0",
            "organisation_name": "0106:87654321",
            "document_type": "Invoice",
            "invoice_number": "BENCH-000000",
            "issue_date": "2026-11-13",
            "currency": "EUR",
            "payable_amount": "1656.25",
            "supplier_name": "Bench Supplier BV",
            "sender_participant_id": "0106:12345678",
            "received_at": datetime.now(UTC).isoformat(),
            "page": f"/organisations/{uuid.uuid4()}/invoices/{uuid.uuid4()}",
        },
    }
    return MailComposer(settings).compose(row)


async def raw_sends(
    host: str, port: int, template: ComposedMail, count: int, connections: int, tag: str
) -> dict[str, Any]:
    """`count` copies of the mail, written beforehand, over `connections` aiosmtplib
    connections (sendmail of the bytes: SMTP and nothing else); mails/s."""
    own_id = template.message_id.encode()
    waiting = [
        template.data.replace(own_id, f"<raw-{tag}-{i}@bench>".encode(), 1) for i in range(count)
    ]

    async def sender() -> None:
        smtp = aiosmtplib.SMTP(hostname=host, port=port, timeout=30)
        await smtp.connect()
        try:
            while waiting:
                await smtp.sendmail(template.sender, [template.recipient], waiting.pop())
        finally:
            await smtp.quit()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(connections)))
    seconds = time.perf_counter() - started
    return {
        "mails": count,
        "connections": connections,
        "seconds": seconds,
        "per_second": count / seconds,
    }


async def pipeline_burst(publisher: Publisher, sink: Sink, count: int) -> dict[str, Any]:
    """Publish `count` events at once; time until the sink wrote every mail they call for."""
    envelopes = [publisher.envelope(i) for i in range(count)]
    wanted = {publisher.mail_id(e) for e in envelopes}
    started_wall = time.time()
    started = time.perf_counter()
    await asyncio.gather(*(publisher.publish(e) for e in envelopes))
    published = time.perf_counter() - started
    # The end is the last file's own time, not when this loop sees it: polling seldom loses
    # no precision, and keeps the bench's own CPU (a scan of a growing folder) off the cores
    # the pipeline runs on (the raw reference pays no such cost).
    await wait_until(lambda: sink.present(wanted) >= count, 600.0, f"{count} mails", 0.5)
    written = sink.written(wanted)
    last = max(written.values()) - started_wall
    return {
        "mails": count,
        "publish_seconds": published,
        "seconds": last,
        "per_second": count / last,
    }


async def fixed_rate(
    publisher: Publisher, sink: Sink, rate: float, seconds: float
) -> dict[str, Any]:
    """Events at `rate`/s; every mail's latency from its event's publish to the sink's file."""
    total = int(rate * seconds)
    published_at: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    pending: list[asyncio.Task[None]] = []
    for i in range(total):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        envelope = publisher.envelope(1_000_000 + i)
        published_at[publisher.mail_id(envelope)] = time.time()
        pending.append(asyncio.ensure_future(publisher.publish(envelope)))
    await asyncio.gather(*pending)
    wanted = set(published_at)
    await wait_until(lambda: sink.present(wanted) >= total, 300.0, f"{total} mails", 0.5)
    written = sink.written(wanted)
    latencies = [written[m] - published_at[m] for m in wanted]
    figures = latency_of(latencies).as_dict()
    return {"events": total, "rate": rate, "seconds": seconds, **figures}


async def the_user(base_url: str, maildir: Path) -> tuple[str, str]:
    """A verified user (an environment admin): their address and environment id."""
    [email] = await sign_up_users(base_url, maildir, datetime.now(UTC).strftime("%H%M%S"), 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        login = await http.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        # The verification mail is in the audit once notifications has handled the sign-up;
        # EmailVerified follows right behind it in the stream.
        await wait_until(lambda: _audited(http, headers), 30.0, "notifications knows the user", 0.2)
        await asyncio.sleep(1.0)
        return email, str(login.json()["user"]["environment_id"])


async def _audited(http: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    answer = await http.get("/api/v1/me/notifications", headers=headers)
    return answer.status_code == 200 and answer.json()["total"] >= 1


def _cpu(meter: CpuMeter) -> dict[str, Any]:
    return dict(meter.stop())


async def drive(args: argparse.Namespace, system: System) -> dict[str, Any]:
    stack = system.stack
    sink = Sink(stack.maildir)
    sampled = (
        await asyncio.to_thread(restart_sampled, system, ["notifications"]) if args.profile else {}
    )
    samples: dict[str, Any] = {}
    email, environment = await the_user(stack.gateway_url, stack.maildir)
    template = a_representative_mail(email)
    connections = int(stack.env.get("SMTP_CONNECTIONS", "4"))
    nc = await nats.connect(stack.nats_url)
    try:
        publisher = Publisher(nc.jetstream(), environment, email)
        pids = system.pids()
        # Warm both paths up.
        await raw_sends("127.0.0.1", system.sink.port, template, 50, 1, "warm")
        await pipeline_burst(publisher, sink, 50)
        rounds: list[dict[str, Any]] = []
        for r in range(args.rounds):
            entry: dict[str, Any] = {}
            for n in sorted({1, connections}):
                meter = CpuMeter(pids)
                meter.start()
                entry[f"raw_{n}"] = await raw_sends(
                    "127.0.0.1", system.sink.port, template, args.mails, n, f"{r}-{n}"
                )
                entry[f"raw_{n}"]["cpu"] = _cpu(meter)
            meter = CpuMeter(pids)
            meter.start()
            if sampled and r == 0:
                start_sampling(sampled, pids)
            entry["pipeline"] = await pipeline_burst(publisher, sink, args.mails)
            entry["pipeline"]["cpu"] = _cpu(meter)
            if sampled and r == 0:
                samples = await collect_samples(sampled, pids)
            rounds.append(entry)
        meter = CpuMeter(pids)
        meter.start()
        latency = await fixed_rate(publisher, sink, args.rate, args.seconds)
        latency["cpu"] = _cpu(meter)
    finally:
        await nc.close()
    raw_best = max(
        sum(r[k]["mails"] for r in rounds) / sum(r[k]["seconds"] for r in rounds)
        for k in rounds[0]
        if k.startswith("raw_")
    )
    pipeline = sum(r["pipeline"]["mails"] for r in rounds) / sum(
        r["pipeline"]["seconds"] for r in rounds
    )
    return {
        "benchmark": "notifications",
        "at": datetime.now(UTC).isoformat(),
        "code": code_state(),
        "settings": {**vars(args), "smtp_connections": connections},
        "rounds": rounds,
        "raw_best_per_second": raw_best,
        "pipeline_per_second": pipeline,
        "latency": latency,
        "memory": system.memory(),
        "samples": samples,
    }


def report(record: dict[str, Any], path: Path) -> bool:
    raw, pipeline, latency = (
        record["raw_best_per_second"],
        record["pipeline_per_second"],
        record["latency"],
    )
    ratio = pipeline / raw if raw else 0.0
    throughput_ok = ratio >= THROUGHPUT_SHARE
    latency_ok = latency["p99_ms"] < LATENCY_P99_MS
    lines = ["bench/notifications: event -> SMTP sink, against raw aiosmtplib to the same sink"]
    for i, entry in enumerate(record["rounds"], 1):
        parts = [f"{key} {figures['per_second']:6.0f}/s" for key, figures in entry.items()]
        lines.append(f"  round {i}: " + "  ".join(parts))
    lines += [
        f"  raw aiosmtplib (best)  {raw:8.0f} mails/s",
        f"  event -> sink          {pipeline:8.0f} mails/s",
        f"  target: pipeline >= {THROUGHPUT_SHARE} x raw: {ratio:.2f}x "
        f"{'PASS' if throughput_ok else 'MISS'}",
        f"  at {latency['rate']:.0f} events/s for {latency['seconds']:.0f} s "
        f"({latency['events']} mails): event-to-mail p50 {latency['p50_ms']:.0f} ms  "
        f"p99 {latency['p99_ms']:.0f} ms  max {latency['max_ms']:.0f} ms",
        f"  target: p99 < {LATENCY_P99_MS:.0f} ms: {'PASS' if latency_ok else 'MISS'}",
        "  memory (RSS MiB): "
        + ", ".join(
            f"{name} {figures['rss_mib']:.0f}"
            for name, figures in (record["memory"] or {}).items()
            if figures and figures.get("rss_mib") is not None
        ),
        f"  JSON: {path}",
    ]
    for name, recording in (record.get("samples") or {}).items():
        lines += ["", f"DIAGNOSIS: {name} sampled during the first pipeline burst"]
        lines += sample_lines(name, recording)
    print("\n".join(lines))
    record["target"] = {
        "ratio": ratio,
        "wanted_ratio": THROUGHPUT_SHARE,
        "p99_ms": latency["p99_ms"],
        "wanted_p99_ms": LATENCY_P99_MS,
        "passed": throughput_ok and latency_ok,
    }
    return throughput_ok and latency_ok


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as scratch:
        system = System(Path(scratch))
        with system.running():
            record = asyncio.run(drive(args, system))
    path = write_json(record, Path("var/bench") / f"notifications-{int(time.time())}.json")
    report(record, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

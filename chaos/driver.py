"""What the chaos scenarios share: sign-ups that retry, the mail sink read, the bus's figures."""

from __future__ import annotations

import asyncio
import email.policy
import itertools
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TypeVar

import httpx
import nats
from devstack.cluster import ClusterStack
from nats.js.api import ConsumerInfo

PASSWORD = "correct horse battery staple"
RETRY_STATUSES = {0, 429, 500, 502, 503, 504}

T = TypeVar("T")


@dataclass
class SignUps:
    """Sign-ups sent through the gateways: what was accepted, and what it took."""

    accepted: set[str] = field(default_factory=set)
    refused: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    failed_attempts: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


class Gateways:
    """Round-robin over every gateway replica; a request that fails is retried on the next."""

    def __init__(self, urls: list[str], concurrency: int = 32) -> None:
        self.urls = urls
        self._next = itertools.cycle(range(len(urls)))
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(15.0, connect=3.0),
            # Room for an open loop's backlog: the client must not be what limits the rate.
            limits=httpx.Limits(max_connections=max(concurrency * 2, 512)),
        )

    async def close(self) -> None:
        """Close the connections."""
        await self.client.aclose()

    def url(self) -> str:
        """The next gateway's base URL."""
        return self.urls[next(self._next)]

    async def request(
        self, method: str, path: str, **kwargs: object
    ) -> tuple[int, httpx.Response | None]:
        """One try on the next gateway: the status (0: no answer) and the response."""
        try:
            response = await self.client.request(method, self.url() + path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError:
            return 0, None
        return response.status_code, response


@dataclass
class Answered:
    """How a request retried until it was answered as wanted (or given up on) went."""

    status: int
    response: httpx.Response | None
    seconds: float  # of the last attempt
    failed: list[int]  # the status of each attempt before it (0: no answer)


async def until_answered(
    send: Callable[[], Awaitable[tuple[int, httpx.Response | None]]],
    wanted: int,
    give_up_after: float = 240.0,
    mend: Callable[[int], Awaitable[bool]] | None = None,
) -> Answered:
    """Send until answered `wanted`, as a client should through faults: what a fault broke
    (RETRY_STATUSES) is sent again after a growing, jittered pause; `mend` may put another
    status right (logging in again on a 401) and, by returning True, have it sent again at once.
    Gives up after `give_up_after` seconds, or at once on any other status."""
    deadline = time.monotonic() + give_up_after
    delay = 0.2
    failed: list[int] = []
    while True:
        started = time.monotonic()
        status, response = await send()
        answered = Answered(status, response, time.monotonic() - started, failed)
        if status == wanted:
            return answered
        failed.append(status)
        if time.monotonic() > deadline:
            return answered
        if mend is not None and await mend(status):
            continue
        if status not in RETRY_STATUSES:
            return answered
        await asyncio.sleep(delay + random.random() * delay)
        delay = min(delay * 2, 5.0)


async def each_of(
    items: list[T],
    handle: Callable[[T], Awaitable[None]],
    concurrency: int,
    progress: asyncio.Queue[int] | None = None,
) -> None:
    """`handle` every item, `concurrency` at a time; report each one done on `progress`."""
    queue = list(reversed(items))

    async def worker() -> None:
        while queue:
            await handle(queue.pop())
            if progress is not None:
                progress.put_nowait(1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def sign_up(
    gateways: Gateways, address: str, result: SignUps, give_up_after: float = 240.0
) -> None:
    """POST /api/v1/registrations until answered 202 (retrying what a fault broke)."""
    body = {"email": address, "password": PASSWORD, "full_name": "Chaos Test", "language": "en"}
    answered = await until_answered(
        lambda: gateways.request("POST", "/api/v1/registrations", json=body), 202, give_up_after
    )
    result.attempts += len(answered.failed) + 1
    result.failed_attempts.update(answered.failed)
    if answered.status == 202:
        result.latencies.append(answered.seconds)
        result.accepted.add(address)
    else:
        result.refused[address] = answered.status


async def sign_up_many(
    gateways: Gateways,
    addresses: list[str],
    result: SignUps,
    concurrency: int = 32,
    progress: asyncio.Queue[int] | None = None,
) -> None:
    """Sign every address up, `concurrency` at a time; report each one done on `progress`."""
    await each_of(addresses, lambda a: sign_up(gateways, a, result), concurrency, progress)


@dataclass(frozen=True)
class Mail:
    """What the sink holds of one mail: the headers that tell effects apart."""

    to: str
    kind: str
    message_id: str
    event_id: str


class Sink:
    """Reads the SMTP sink's folder incrementally (headers only)."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self._seen: dict[str, Mail] = {}
        self._parser = BytesHeaderParser(policy=email.policy.default)

    def mails(self) -> list[Mail]:
        """Every mail so far, one per file (a resent copy is a second file)."""
        for path in sorted(self.maildir.glob("*.eml")):
            if path.name not in self._seen:
                headers = self._parser.parsebytes(path.read_bytes())
                self._seen[path.name] = Mail(
                    to=str(headers["To"]).strip().lower(),
                    kind=str(headers["X-Notification-Kind"]),
                    message_id=str(headers["Message-ID"]),
                    event_id=str(headers["X-Event-Id"]),
                )
        return list(self._seen.values())

    def verification_mails(self, addresses: set[str]) -> Counter[str]:
        """How many verification mails each of `addresses` got (copies counted)."""
        counts: Counter[str] = Counter()
        for mail in self.mails():
            if mail.kind == "email_verification" and mail.to in addresses:
                counts[mail.to] += 1
        return counts

    def distinct_verification_mails(self, addresses: set[str]) -> Counter[str]:
        """How many different verification mails (by Message-ID) each of `addresses` got."""
        ids = {
            (mail.to, mail.message_id)
            for mail in self.mails()
            if mail.kind == "email_verification" and mail.to in addresses
        }
        return Counter(to for to, _ in ids)

    def duplicates(self) -> int:
        """Copies of a mail already delivered (same Message-ID: the same effect again)."""
        ids = Counter(mail.message_id for mail in self.mails())
        return sum(n - 1 for n in ids.values())


async def verified_account(gateways: Gateways, sink: Sink, tag: str) -> str:
    """A verified user `<tag>@chaos.example.nl` with a session; the access token."""
    address = f"{tag}@chaos.example.nl"
    await sign_up(gateways, address, SignUps())
    counts, _ = await wait_for_mails(sink, {address}, 60)
    assert counts, f"no verification mail for {address}"
    token = _verification_token(sink, address)
    status, _ = await gateways.request(
        "POST", "/api/v1/registrations/verify", json={"token": token}
    )
    assert status == 200, f"verify answered {status}"
    status, response = await gateways.request(
        "POST", "/api/v1/sessions", json={"email": address, "password": PASSWORD}
    )
    assert status == 201 and response is not None, f"login answered {status}"
    access: str = response.json()["access_token"]
    return access


def _verification_token(sink: Sink, address: str) -> str:
    from devstack.smtp_sink import read_mails

    for mail in read_mails(sink.maildir):
        if address in str(mail["To"]) and mail["X-Notification-Kind"] == "email_verification":
            body = mail.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"token=([A-Za-z0-9_\-]+)", body.get_content())
            if found:
                return found.group(1)
    raise AssertionError(f"no token for {address}")


async def wait_for_mails(
    sink: Sink, addresses: set[str], timeout: float
) -> tuple[Counter[str], float]:
    """Wait until every address has its verification mail; the counts and the time it took."""
    started = time.monotonic()
    while True:
        counts = sink.verification_mails(addresses)
        if len(counts) >= len(addresses) or time.monotonic() - started > timeout:
            return counts, time.monotonic() - started
        await asyncio.sleep(1.0)


async def consumers(cluster: ClusterStack) -> list[ConsumerInfo]:
    """Every durable consumer of the EVENTS stream."""
    nc = await nats.connect(cluster.nats.url.split(","), connect_timeout=3)
    try:
        js = nc.jetstream()
        # The services' own: a checking consumer of the suite is not theirs to catch up.
        infos = await js.consumers_info("EVENTS")
        return [i for i in infos if not (i.name or "").startswith("chaos-")]
    finally:
        await nc.close()


async def redeliveries(cluster: ClusterStack) -> int:
    """Deliveries beyond the first of each message, summed over every durable consumer.

    A consumer's delivery sequence counts every delivery; once it has caught up, the messages
    its filter matches were each delivered once, so the difference is what was redelivered.
    Counted by the servers, so it survives the kills of the processes.
    """
    nc = await nats.connect(cluster.nats.url.split(","), connect_timeout=3)
    try:
        js = nc.jetstream()
        info = await js.stream_info("EVENTS", subjects_filter=">")
        subjects = info.state.subjects or {}
        total = 0
        for consumer in await js.consumers_info("EVENTS"):
            if (consumer.name or "").startswith("chaos-"):
                continue
            filters = consumer.config.filter_subjects or [consumer.config.filter_subject or ">"]
            matching = sum(
                count
                for subject, count in subjects.items()
                if any(_matches(f, subject) for f in filters)
            )
            delivered = consumer.delivered.consumer_seq if consumer.delivered else 0
            total += max(0, delivered - matching)
        return total
    finally:
        await nc.close()


def _matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` one token, `>` the rest."""
    if pattern.endswith(">"):
        return subject.startswith(pattern[:-1])
    return fnmatchcase(subject, pattern) and subject.count(".") == pattern.count(".")


async def wait_quiet(cluster: ClusterStack, timeout: float) -> float:
    """Wait until every durable consumer has nothing pending or unacknowledged; seconds taken."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            infos = await consumers(cluster)
        except Exception:
            infos = []
        if infos and all(i.num_pending == 0 and i.num_ack_pending == 0 for i in infos):
            return time.monotonic() - started
        await asyncio.sleep(1.0)
    return time.monotonic() - started


async def ready_status(gateways: Gateways) -> list[int]:
    """GET /ready on every gateway (0: no answer)."""
    statuses = []
    for url in gateways.urls:
        try:
            response = await gateways.client.get(url + "/ready", timeout=5)
            statuses.append(response.status_code)
        except httpx.HTTPError:
            statuses.append(0)
    return statuses


async def wait_ready(gateways: Gateways, timeout: float) -> float | None:
    """Seconds until every gateway's /ready says 200, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all(s == 200 for s in await ready_status(gateways)):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    return None


def addresses(tag: str, count: int) -> list[str]:
    """Fresh addresses for one scenario."""
    return [f"{tag}-{i}@chaos.example.nl" for i in range(count)]


def p95(values: list[float]) -> float:
    """The 95th percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]

"""HTTP load: sign-ups for the setup, closed-loop and open-loop verifications."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.rawhttp import RawClient

TOKEN = re.compile(rb"token=([A-Za-z0-9_\-]+)")
PASSWORD = "correct horse battery staple"


@dataclass
class Sample:
    """One HTTP command: when it was meant to go, how long the answer took, what came back."""

    sent_at: float  # wall clock (time.time()), to compare with database timestamps
    seconds: float
    status: int  # 0: no HTTP answer at all (see `error`)
    user_id: str | None = None
    error: str | None = None


@dataclass
class Run:
    """The samples of one phase and its wall-clock bounds."""

    samples: list[Sample] = field(default_factory=list)
    started_at: float = 0.0
    ended_at: float = 0.0
    late_starts: int = 0  # open loop: sends that left more than 10 ms after their slot

    @property
    def ok(self) -> list[Sample]:
        """The 2xx answers."""
        return [s for s in self.samples if 200 <= s.status < 300]

    @property
    def errors(self) -> int:
        """Answers that were not 2xx (status 0: no answer at all)."""
        return len(self.samples) - len(self.ok)


# POST a JSON body to a path; the status and the body that came back.
Post = Callable[[str, dict[str, str]], Awaitable[tuple[int, bytes]]]


@asynccontextmanager
async def poster(base_url: str, connections: int, kind: str = "httpx") -> AsyncIterator[Post]:
    """A POST function over httpx (HTTP/1.1, keep-alive) or the lean `RawClient`."""
    if kind == "raw":
        raw = RawClient(base_url, connections)
        try:
            yield raw.post
        finally:
            await raw.aclose()
        return
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=base_url, http2=False, limits=limits, timeout=30.0
    ) as http:

        async def post(path: str, body: dict[str, str]) -> tuple[int, bytes]:
            response = await http.post(path, json=body)
            return response.status_code, response.content

        yield post


async def _timed(post: Post, path: str, body: dict[str, str], slot: float) -> Sample:
    """POST and time it from `slot` (perf_counter) so a late start counts against us."""
    sent_at = time.time() - (time.perf_counter() - slot)
    try:
        status, data = await post(path, body)
    except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as error:
        return Sample(sent_at, time.perf_counter() - slot, 0, error=type(error).__name__)
    seconds = time.perf_counter() - slot
    user_id = json.loads(data).get("user_id") if status == 200 else None
    return Sample(sent_at, seconds, status, user_id)


async def closed_loop(
    post: Post, path: str, bodies: Iterable[dict[str, str]], concurrency: int
) -> Run:
    """`concurrency` workers, each sending its next request as soon as the last one answered."""
    queue = iter(bodies)
    run = Run(started_at=time.time())

    async def worker() -> None:
        for body in queue:  # one shared iterator: each body goes to exactly one worker
            run.samples.append(await _timed(post, path, body, time.perf_counter()))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.ended_at = time.time()
    return run


async def open_loop(
    post: Post, path: str, bodies: list[dict[str, str]], rate: float, in_flight: int
) -> Run:
    """Send request i at start + i/rate whatever the earlier ones are doing (no coordination).

    At most `in_flight` requests are on the wire; the rest wait here, their latency still
    counted from their slot. (Letting httpx open hundreds of connections when the system falls
    behind costs the client more CPU than the system it measures.)
    """
    run = Run(started_at=time.time())
    start = time.perf_counter()
    gate = asyncio.Semaphore(in_flight)

    async def send(body: dict[str, str], slot: float) -> Sample:
        async with gate:
            return await _timed(post, path, body, slot)

    tasks: list[asyncio.Task[Sample]] = []
    for i, body in enumerate(bodies):
        slot = start + i / rate
        delay = slot - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.010:
            run.late_starts += 1
        tasks.append(asyncio.create_task(send(body, slot)))
    run.samples = list(await asyncio.gather(*tasks))
    run.ended_at = time.time()
    return run


def registration(run_id: str, i: int) -> dict[str, str]:
    """The sign-up body of bench user number i."""
    return {
        "email": f"bench-{run_id}-{i:06d}@example.nl",
        "password": PASSWORD,
        "full_name": f"Bench User {i}",
        "language": "nl" if i % 2 else "en",
    }


def mail_count(maildir: Path) -> int:
    """How many mails the sink has written so far."""
    return sum(1 for _ in maildir.glob("*.eml"))


async def wait_until(
    check: Callable[[], Awaitable[bool] | bool], timeout: float, what: str, interval: float = 0.1
) -> float:
    """Poll `check` until true; the seconds it took, or TimeoutError naming `what`."""
    start = time.perf_counter()
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{what} not reached after {timeout:.0f} s")
        await asyncio.sleep(interval)


def tokens_in_mails(maildir: Path) -> list[str]:
    """One verification token per mail (the text and HTML parts carry the same link)."""
    tokens: dict[str, None] = {}
    for path in sorted(maildir.glob("*.eml")):
        match = TOKEN.search(path.read_bytes())
        if match:
            tokens[match.group(1).decode()] = None
    return list(tokens)

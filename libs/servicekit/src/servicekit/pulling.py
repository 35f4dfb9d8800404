"""Pulling batches from a durable JetStream consumer: short waits under load, long ones when idle.

nats-py's `fetch(batch=n, timeout=t)` with n > 1 answers at once with what is waiting, but when
nothing is, its lingering request holds the first message that comes until `t` is over or the
batch is full. So a batch fetch must wait briefly (BUSY_WAIT_SECONDS): that is what bounds a
quiet moment's delay. Asking that often while nothing happens costs every idle consumer twenty
requests and twenty "no messages" answers a second (measured: the idle stack spent a fifth of a
core on them, half of it in nats-server).

So a puller that found nothing waits for one message with `fetch(batch=1)`, whose lingering
request answers as soon as one arrives, for up to IDLE_WAIT_SECONDS; then it is busy again and
takes the rest in batches. An idle consumer asks once every few seconds; the first event after a
quiet spell is not held back at all.

The long wait ends early when `interrupted` is set (stopping, a lost replica lease). The request
it leaves on the server expires by itself; a message the server hands to it meanwhile is not
acknowledged and comes again after the consumer's ack wait.
"""

from __future__ import annotations

import asyncio
import contextlib

from nats.aio.msg import Msg
from nats.js import JetStreamContext

BUSY_WAIT_SECONDS = 0.05
IDLE_WAIT_SECONDS = 5.0


class Puller:
    """Fetches from one pull subscription, remembering whether the last fetch found nothing."""

    def __init__(
        self,
        subscription: JetStreamContext.PullSubscription,
        batch: int,
        interrupted: asyncio.Event,
        idle_wait: float = IDLE_WAIT_SECONDS,
    ) -> None:
        self._subscription = subscription
        self._batch = batch
        self._interrupted = interrupted
        self._idle_wait = idle_wait
        self.idle = False

    async def fetch(self) -> list[Msg]:
        """The next messages; [] when none came in this wait (or the wait was interrupted)."""
        try:
            if self.idle:
                messages = await self._first_message()
            else:
                messages = await self._subscription.fetch(
                    batch=self._batch, timeout=BUSY_WAIT_SECONDS
                )
        except TimeoutError:
            messages = []
        self.idle = not messages
        return messages

    async def _first_message(self) -> list[Msg]:
        if self._interrupted.is_set():
            return []
        fetching = asyncio.ensure_future(self._subscription.fetch(batch=1, timeout=self._idle_wait))
        interrupt = asyncio.ensure_future(self._interrupted.wait())
        try:
            await asyncio.wait({fetching, interrupt}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            interrupt.cancel()
        if not fetching.done():
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetching
            return []
        return fetching.result()

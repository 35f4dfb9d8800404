"""Tells the gateway which sessions ended, through the `revoked_sessions` key-value bucket.

An outbox in miniature: revocations are committed in identity's database first; this publisher
puts every one whose access tokens may still be alive into the bucket and marks it published.
Command handlers call it before they answer (so a logout is effective when it returns); a loop
catches up anything a NATS hiccup left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from nats.js.kv import KeyValue
from servicekit.eventstore import SharedDatabase
from servicekit.executor import StoreExecutor

from identity.state.sessions import mark_revocations_published, unpublished_revocations

log = structlog.get_logger(__name__)


class RevocationPublisher:
    """Publishes revoked session ids to the bucket the gateway watches."""

    def __init__(
        self,
        database: SharedDatabase,
        executor: StoreExecutor,
        access_token_lifetime: timedelta,
        clock: Callable[[], datetime],
        poll_interval: float = 2.0,
    ) -> None:
        self._db = database
        self._executor = executor
        # Sessions whose last token was issued longer ago than this have no live token left.
        self._alive = access_token_lifetime + timedelta(minutes=1)
        self._clock = clock
        self._poll_interval = poll_interval
        self._bucket: KeyValue | None = None
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._stopping = False

    def attach(self, bucket: KeyValue) -> None:
        """Start publishing into this bucket."""
        self._bucket = bucket
        self._wakeup.set()

    async def publish_pending(self) -> int:
        """Publish every unpublished revocation; how many went out."""
        if self._bucket is None:
            return 0
        async with self._lock:
            # Alone, not in a group: only committed revocations may leave the process.
            pending = await self._executor.run_alone(self._pending)
            for session_id in pending:
                await self._bucket.put(str(session_id), b"revoked")
            await self._executor.run(self._mark, pending)
        return len(pending)

    def wake(self) -> None:
        """Publish soon, without waiting for the poll interval (sessions ended elsewhere)."""
        self._wakeup.set()

    def stop(self) -> None:
        """Return from `run` after the current pass."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Catch up now and then, in case publishing after a command failed."""
        while not self._stopping:
            try:
                await self.publish_pending()
            except Exception as error:
                log.warning("publishing revocations failed; will retry", error=repr(error))
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)

    def _pending(self) -> list[uuid.UUID]:
        with self._db.transaction(commit=False) as session:
            return unpublished_revocations(session, self._clock() - self._alive)

    def _mark(self, session_ids: list[uuid.UUID]) -> None:
        with self._db.transaction() as session:
            mark_revocations_published(session, session_ids, self._clock())

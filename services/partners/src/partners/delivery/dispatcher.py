"""The loop that POSTs deliveries: signed, in order per webhook, retried with backoff.

One task per webhook with due deliveries (at most WEBHOOK_CONCURRENCY side by side) takes its
pending deliveries oldest first and POSTs them one after the other, so the endpoint sees an
organisation's events in their order. A failure schedules a retry of that delivery and ends the
task: the ones behind it wait their turn. Attempts are recorded through the store thread without
holding up the next POST (their commits group), and are all committed before the next queue read.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import structlog
from nats.js import JetStreamContext
from servicekit.executor import StoreExecutor
from servicekit.lease import Lease

from partners.delivery.log import Attempt, DeliveryLog
from partners.destinations import UnsafeDestination, check_destination
from partners.domain.retries import RetrySchedule
from partners.domain.signing import signature_header
from partners.secrets_book import SecretBook
from partners.settings import PartnersSettings

log = structlog.get_logger(__name__)

QUEUE_BATCH = 128
# A batch that has taken this long checks that its webhook still exists before the next POST:
# one removed meanwhile gets at most this much more.
RECHECK_SECONDS = 1.0
USER_AGENT = "einvoice-webhooks/1.0"


class Dispatcher:
    """Delivers the log's pending deliveries while the service runs."""

    def __init__(
        self,
        settings: PartnersSettings,
        deliveries: DeliveryLog,
        executor: StoreExecutor,
        secrets: SecretBook,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._log = deliveries
        self._executor = executor
        self._secrets = secrets
        self._clock = clock
        self._schedule = RetrySchedule(
            settings.webhook_retry_base_seconds,
            settings.webhook_retry_max_delay_seconds,
            settings.webhook_retry_period_seconds,
        )
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)
        self._active: dict[str, asyncio.Task[None]] = {}
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._client: httpx.AsyncClient | None = None
        self._recorded: Callable[[], None] = lambda: None
        self._lease: Lease | None = None

    def bind_jetstream(self, js: JetStreamContext) -> None:
        """With replicas (REPLICA_LEASE_SECONDS > 0), only the holder of the dispatcher's lease
        POSTs: two replicas reading one queue would send a delivery twice, or out of order."""
        seconds = self._settings.replica_lease_seconds
        if seconds > 0:
            self._lease = Lease(js, "dispatcher-partners", seconds, self._settings.stream_replicas)

    async def _may_dispatch(self) -> bool:
        if self._lease is None:
            return True
        try:
            return await self._lease.held()
        except Exception as error:  # NATS away: nobody can be sure of the lease, so wait
            log.warning("could not check the dispatcher lease", error=repr(error))
            return False

    def when_recorded(self, callback: Callable[[], None]) -> None:
        """Call `callback` after outcomes were stored (the relay publishes them)."""
        self._recorded = callback

    def wake(self) -> None:
        """New deliveries were queued: look now rather than at the next poll."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the POSTs in flight, then return from `run`."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Start a task for every webhook with due deliveries, until stopped."""
        limits = httpx.Limits(
            max_connections=self._settings.webhook_concurrency,
            max_keepalive_connections=self._settings.webhook_concurrency,
        )
        async with httpx.AsyncClient(
            timeout=self._settings.webhook_timeout_seconds,
            limits=limits,
            follow_redirects=False,  # a redirect could lead anywhere, past the SSRF check
        ) as client:
            self._client = client
            while not self._stopping:
                self._wakeup.clear()
                try:
                    due = (
                        await self._executor.run_alone(self._log.due_webhooks, self._clock(), 1000)
                        if await self._may_dispatch()
                        else []
                    )
                except Exception as error:
                    log.warning("could not read the delivery queue", error=repr(error))
                    due = []
                for webhook_id in due:
                    if webhook_id not in self._active:
                        self._active[webhook_id] = asyncio.create_task(self._drain(webhook_id))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._wakeup.wait(), timeout=self._settings.webhook_poll_seconds
                    )
            if self._active:
                await asyncio.wait(list(self._active.values()), timeout=15)

    async def _drain(self, webhook_id: str) -> None:
        try:
            async with self._slots:
                while not self._stopping:
                    webhook, queue = await self._executor.run_alone(
                        self._log.queue_of, webhook_id, self._clock(), QUEUE_BATCH
                    )
                    if not queue or not await self._deliver_in_order(webhook, queue):
                        return
        except Exception as error:
            log.warning("webhook deliveries interrupted", webhook_id=webhook_id, error=repr(error))
        finally:
            self._active.pop(webhook_id, None)
            self._wakeup.set()

    async def _deliver_in_order(self, webhook: Any, queue: list[Any]) -> bool:
        """POST each in turn; False when one must wait for a retry (the rest wait behind it).
        The attempts are recorded together afterwards: one transaction, one save of their
        outcome events (a crash in between makes them POST again: at least once)."""
        attempts: list[Attempt] = []
        go_on = True
        loaded = time.monotonic()
        try:
            for number, delivery in enumerate(queue):
                if number and time.monotonic() - loaded > RECHECK_SECONDS:
                    # A slow partner: the webhook may have been removed meanwhile.
                    if not await self._executor.run(self._log.exists, webhook.id):
                        break
                    loaded = time.monotonic()
                attempt = await self._attempt(webhook, delivery)
                attempts.append(attempt)
                if not attempt.succeeded and attempt.next_attempt_at is not None:
                    log.info(
                        "webhook delivery failed; will retry",
                        delivery_id=delivery.id,
                        attempt=delivery.attempts + 1,
                        retry_at=attempt.next_attempt_at.isoformat(),
                        error=attempt.error,
                    )
                    go_on = False
                    break
                if not attempt.succeeded:
                    log.warning("webhook delivery given up", delivery_id=delivery.id)
        finally:
            await self._executor.run(self._log.record, attempts)
            self._recorded()
        return go_on

    async def _attempt(self, webhook: Any, delivery: Any) -> Attempt:
        assert self._client is not None
        now = self._clock()
        timestamp = str(int(now.timestamp()))
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/cloudevents+json",
            "User-Agent": USER_AGENT,
            "X-Event-Id": delivery.event_id,
            "X-Delivery-Id": delivery.id,
            "X-Timestamp": timestamp,
            "X-Signature": signature_header(self._secrets.in_use(webhook, now), timestamp, body),
        }
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            await check_destination(webhook.url, self._settings.webhook_allow_private_destinations)
            response = await self._client.post(webhook.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the endpoint answered {status}"
        except UnsafeDestination as refused:
            error = f"refused: {refused}"
        except httpx.TimeoutException:
            error = f"no answer within {self._settings.webhook_timeout_seconds:g} s"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        duration_ms = (time.perf_counter() - started) * 1000
        done = self._clock()
        next_at = None
        if error is not None:
            next_at = self._schedule.next_attempt(delivery.created_at, done, delivery.attempts + 1)
        return Attempt(delivery, done, status, error, duration_ms, next_at)

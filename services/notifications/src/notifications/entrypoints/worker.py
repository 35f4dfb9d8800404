"""The notifications process: consumes the platform's events, decides and sends their mails,
answers the audit queries, and publishes what it decided."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from contracts.commands.notifications import (
    AnnounceProductNews,
    ListMyNotifications,
    SearchNotifications,
)
from nats.js import JetStreamContext
from servicekit.consumer import EventConsumer
from servicekit.rpc import serve
from servicekit.streams import EVENTS_STREAM
from servicekit.worker import ServiceWorker

from notifications.bootstrap import Notifications, bootstrap
from notifications.entrypoints.consumer import CONSUMER, SUBJECTS
from notifications.entrypoints.queries import NotificationHandlers
from notifications.integration.outbound import to_envelope

CONTEXT = "notifications"

# The first version followed identity's events only, under this name; its successor replays the
# stream under CONSUMER (decisions are keyed by event and recipient, so nothing is sent twice).
RETIRED_CONSUMERS = ("notifications-identity",)
RELAY_WAKE_SECONDS = 0.02


def build_worker(notifications: Notifications | None = None) -> ServiceWorker:
    """Wire the consumer, the mail dispatcher, the relay and the queries onto a worker."""
    n = notifications or bootstrap()
    worker = ServiceWorker(CONTEXT, n.settings)
    saved = _coalesced(worker.publish_from(n.app, n.executor, to_envelope))
    n.dispatcher.when_recorded(saved)

    def applied() -> None:
        n.dispatcher.wake()
        if n.inbound.published_something():
            saved()  # suppressed decisions are news for the bus too

    consumer = EventConsumer(
        durable=CONSUMER,
        subject=SUBJECTS,
        database=n.database,
        executor=n.executor,
        effect=n.inbound.apply,
        on_applied=applied,
        ack_wait_seconds=n.settings.consumer_ack_wait_seconds,
    )
    worker.consume(consumer)
    worker.on_connected(n.dispatcher.bind_jetstream)
    worker.on_connected(_forget_retired_consumers)
    worker.add_loop(n.dispatcher.run, n.dispatcher.stop)

    handlers = NotificationHandlers(n.database, n.executor, n.announcements, saved)
    serve(worker.broker, ListMyNotifications, handlers.mine, queue=CONTEXT)
    serve(worker.broker, SearchNotifications, handlers.search, queue=CONTEXT)
    serve(worker.broker, AnnounceProductNews, handlers.announce, queue=CONTEXT)
    return worker


def _coalesced(wake_relay: Callable[[], None]) -> Callable[[], None]:
    """Wake the relay at most once per RELAY_WAKE_SECONDS: under load a mail is recorded every
    few milliseconds, and one relay pass for many of their decisions costs a fraction of one
    pass each (each pass reads its position and the log, and records its position)."""
    scheduled = False

    def wake() -> None:
        nonlocal scheduled
        wake_relay()
        scheduled = False

    def soon() -> None:
        nonlocal scheduled
        if not scheduled:
            scheduled = True
            asyncio.get_running_loop().call_later(RELAY_WAKE_SECONDS, wake)

    return soon


async def _forget_retired_consumers(js: JetStreamContext) -> None:
    for name in RETIRED_CONSUMERS:
        with contextlib.suppress(Exception):
            await js.delete_consumer(EVENTS_STREAM, name)

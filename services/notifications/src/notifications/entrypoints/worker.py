"""The notifications process: consumes identity's events, sends the mails they call for."""

from __future__ import annotations

from servicekit.consumer import EventConsumer
from servicekit.worker import ServiceWorker

from notifications.bootstrap import Notifications, bootstrap
from notifications.integration.inbound import apply_event

CONTEXT = "notifications"


def build_worker(notifications: Notifications | None = None) -> ServiceWorker:
    """Wire the identity-events consumer and the mail dispatcher onto a service worker."""
    notifications = notifications or bootstrap()
    worker = ServiceWorker(CONTEXT, notifications.settings)
    consumer = EventConsumer(
        durable="notifications-identity",
        subject="events.identity.>",
        database=notifications.database,
        executor=notifications.executor,
        effect=apply_event,
        on_applied=notifications.dispatcher.wake,
        ack_wait_seconds=notifications.settings.consumer_ack_wait_seconds,
    )
    worker.consume(consumer)
    worker.add_loop(notifications.dispatcher.run, notifications.dispatcher.stop)

    async def database_answers() -> bool:
        return await notifications.executor.run(notifications.database.ping)

    worker.add_check("database", database_answers)
    return worker

"""The partners process: queues webhook deliveries from the platform's events and POSTs them,
feeds the PARTNER stream, answers the gateway's webhook commands, publishes its own events."""

from __future__ import annotations

from contracts.commands.partners import (
    ListDeliveries,
    ListWebhooks,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
)
from servicekit.rpc import serve
from servicekit.worker import ServiceWorker

from partners.bootstrap import Partners, bootstrap
from partners.entrypoints.handlers import WebhookHandlers
from partners.feed.forwarder import FeedForwarder
from partners.integration.inbound import (
    WEBHOOK_CONSUMER,
    FilteredConsumer,
    partner_event_subjects,
)
from partners.integration.outbound import to_envelope

CONTEXT = "partners"


def build_worker(partners: Partners | None = None) -> ServiceWorker:
    """Wire the consumer, the dispatcher, the feed, the relay and the commands onto a worker."""
    p = partners or bootstrap()
    worker = ServiceWorker(CONTEXT, p.settings)
    saved = worker.publish_from(p.app, p.executor, to_envelope)

    def applied() -> None:
        if p.inbound.queued:
            p.inbound.queued = False
            p.dispatcher.wake()

    subjects = partner_event_subjects()
    consumer = FilteredConsumer(
        durable=WEBHOOK_CONSUMER,
        subjects=subjects,
        database=p.database,
        executor=p.executor,
        effect=p.inbound.apply,
        batch_effect=p.inbound.apply_batch,
        on_applied=applied,
        ack_wait_seconds=p.settings.consumer_ack_wait_seconds,
    )
    worker.consume(consumer)
    worker.on_connected(p.dispatcher.bind_jetstream)
    worker.add_loop(p.dispatcher.run, p.dispatcher.stop)
    p.dispatcher.when_recorded(saved)
    feed = FeedForwarder(
        subjects, p.settings.stream_replicas, p.settings.partner_feed_max_age_days * 86400
    )
    worker.on_connected(feed.bind_jetstream)
    worker.add_loop(feed.run, feed.stop)

    handlers = WebhookHandlers(p, saved)
    serve(worker.broker, RegisterWebhook, handlers.register, queue=CONTEXT)
    serve(worker.broker, RotateWebhookSecret, handlers.rotate, queue=CONTEXT)
    serve(worker.broker, RemoveWebhook, handlers.remove, queue=CONTEXT)
    serve(worker.broker, ListWebhooks, handlers.list, queue=CONTEXT)
    serve(worker.broker, ListDeliveries, handlers.deliveries, queue=CONTEXT)
    serve(worker.broker, ReplayDelivery, handlers.replay, queue=CONTEXT)
    return worker

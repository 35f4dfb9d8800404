"""Prometheus metrics every service reports (names shared so dashboards work for all)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_APPENDED = Counter(
    "events_appended_total", "Domain events written to a service's event store", ["event_type"]
)
EVENTS_PUBLISHED = Counter(
    "events_published_total",
    "Integration events published to JetStream by the relay",
    ["event_type"],
)
RELAY_LAG = Gauge(
    "relay_lag_events", "Events in the store not yet published (store max - position)"
)
RELAY_POSITION = Gauge("relay_position", "Last notification id the relay has published")
EVENTS_CONSUMED = Counter(
    "events_consumed_total", "Events applied by a consumer", ["consumer", "event_type", "outcome"]
)
CONSUMER_REDELIVERIES = Counter(
    "consumer_redeliveries_total",
    "Deliveries that were not the first of their message",
    ["consumer"],
)
DEAD_LETTERED = Counter(
    "dead_lettered_total", "Messages parked in the dead-letter stream", ["consumer"]
)
COMMAND_LATENCY = Histogram(
    "command_handling_seconds",
    "Time a service spends on one request/reply command",
    ["subject", "outcome"],
)
CONSUMER_LAG = Gauge(
    "consumer_lag_events",
    "Messages in the stream a durable consumer has not been delivered yet (JetStream num_pending)",
    ["stream", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "consumer_ack_pending",
    "Messages delivered to a durable consumer and not yet acknowledged",
    ["stream", "consumer"],
)
STREAM_MESSAGES = Gauge("stream_messages", "Messages held by a JetStream stream", ["stream"])
DEAD_LETTER_DEPTH = Gauge(
    "dead_letter_depth", "Messages waiting in the dead-letter stream, by consumer", ["consumer"]
)

# Business figures, counted when the relay publishes the fact (so each counts once per process,
# whoever recorded it). Other services (partners' webhooks) count theirs under the same names.
MAILS = Counter("mails_total", "Mails decided, by outcome", ["outcome"])
INVOICES = Counter(
    "invoices_total", "Invoices entering a status (accepted, sent, delivered, ...)", ["status"]
)
WEBHOOK_DELIVERIES = Counter(
    "webhook_deliveries_total",
    "Webhook deliveries to partner systems, by outcome (delivered, failed)",
    ["outcome"],
)
READ_MODEL_REBUILDS = Counter(
    "read_model_rebuilds_total", "Read-model rebuilds, by model and outcome", ["model", "outcome"]
)

# Which published integration event counts as which business figure.
FIGURE_OF_EVENT: dict[str, tuple[Counter, str]] = {
    "NotificationSent": (MAILS, "sent"),
    "NotificationSuppressed": (MAILS, "suppressed"),
    "NotificationFailed": (MAILS, "failed"),
    "InvoiceSubmitted": (INVOICES, "accepted"),
    "InvoiceRejected": (INVOICES, "rejected"),
    "InvoiceSent": (INVOICES, "sent"),
    "InvoiceDelivered": (INVOICES, "delivered"),
    "InvoiceDeliveryFailed": (INVOICES, "delivery_failed"),
    "InvoiceReceived": (INVOICES, "received"),
    "WebhookDeliverySucceeded": (WEBHOOK_DELIVERIES, "delivered"),
    "WebhookDeliveryFailed": (WEBHOOK_DELIVERIES, "failed"),
}


def count_published(event_type: str) -> None:
    """Count one published integration event, and the business figure it stands for."""
    EVENTS_PUBLISHED.labels(event_type).inc()
    figure = FIGURE_OF_EVENT.get(event_type)
    if figure is not None:
        figure[0].labels(figure[1]).inc()

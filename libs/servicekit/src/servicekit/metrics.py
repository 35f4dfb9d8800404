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

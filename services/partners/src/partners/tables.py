"""The partners database, beside its event store: webhooks, the delivery log, its attempts.

A webhook's secret rests sealed to the service's own key (the gateway sealed it), so neither
this database nor the event store holds it in the clear.
"""

from __future__ import annotations

from servicekit.sqltypes import UtcDateTime
from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("organisation_id", String(36), nullable=False, index=True),
    Column("environment_id", String(36), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", JSON, nullable=False),
    Column("sealed_secret", Text, nullable=False),
    Column("secret_fingerprint", String(12), nullable=False),
    Column("previous_sealed_secret", Text, nullable=True),
    Column("previous_valid_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# One row per (webhook, event), or per replay. `seq` is the order deliveries were queued in,
# which is the order of the organisation's events in the stream: a webhook gets them in it.
deliveries = Table(
    "deliveries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("webhook_id", String(36), nullable=False),
    Column("organisation_id", String(36), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("replay_of", String(36), nullable=True),
    Index("deliveries_queue", "webhook_id", "status", "seq"),
    Index("deliveries_due", "status", "next_attempt_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Float, nullable=False),
)


# One row: given a fresh random version in the transaction of every change to which webhooks
# exist or what they ask for, so each replica's cache of the organisations' webhooks
# (`partners.delivery.targets`) knows to reload by reading this one row per batch of events.
# Random, not a counter: a version seen inside a transaction that then rolled back never comes
# back. Rotation changes only secrets, which the dispatcher reads afresh with every queue it
# takes, so it need not change it.
webhook_changes = Table(
    "webhook_changes",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("version", String(36), nullable=False),
)


def create_tables(engine: Engine) -> None:
    """Create the partners tables if they are missing."""
    metadata.create_all(engine)

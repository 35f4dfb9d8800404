"""Bookkeeping tables that live in each service's own database, beside its data."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, MetaData, String, Table, Text, text
from sqlalchemy.engine import Engine

metadata = MetaData()

relay_positions = Table(
    "relay_positions",
    metadata,
    Column("relay", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

# Each read model's last rebuild and who runs it (servicekit.rebuild_ledger): any replica reads it.
read_model_rebuilds = Table(
    "read_model_rebuilds",
    metadata,
    Column("model", String(100), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("lease_until", Float, nullable=False),
    Column("status", Text),
)


# Any fixed number, not servicekit.database's SCHEMA_LOCK_KEY: a process may call this while it
# holds that one on another connection (its start-up), and would then wait for itself.
BOOKKEEPING_LOCK_KEY = 7_316_228_002


def create_bookkeeping_tables(engine: Engine) -> None:
    """Create the relay-position, consumer-tracking and rebuild tables if they are missing.

    Replicas do this at once when they start (the relay's, after the start-up schema lock), and
    two that both find a table missing would both create it, the second failing (seen: CI's
    cluster lost identity-2 to "relation relay_positions already exists"). On PostgreSQL they
    take turns under an advisory lock held for the creating transaction.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOOKKEEPING_LOCK_KEY}
            )
        metadata.create_all(connection)

"""Bookkeeping tables that live in each service's own database, beside its data."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, MetaData, String, Table, Text
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


def create_bookkeeping_tables(engine: Engine) -> None:
    """Create the relay-position, consumer-tracking and rebuild tables if they are missing."""
    metadata.create_all(engine)

"""Invoicing's own tables, created at start-up on SQLite and PostgreSQL alike.

The organisations and the directory as invoicing knows them (built from organisation events,
never read from the other service's store); and beside the event store, committed with the
events that change them: idempotency keys, invoice numbers per supplier, and the invoices and
their timelines as the API lists them.
"""

from __future__ import annotations

from servicekit.sqltypes import UtcDateTime
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

# -- read models of the organisation service's events --------------------------------------

known_organisations = Table(
    "known_organisations",
    metadata,
    Column("organisation_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("receiving", Boolean, nullable=False),
    Column("generate_pdf", String(16), nullable=False),
    Column("merge_attachments", Boolean, nullable=False),
)

organisation_identifiers = Table(
    "organisation_identifiers",
    metadata,
    Column("participant_id", String(80), primary_key=True),
    Column("organisation_id", String(36), primary_key=True),
)

# -- committed with invoicing's own events -------------------------------------------------

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("organisation_id", String(36), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("invoice_id", String(36), nullable=False),
)

invoice_numbers = Table(
    "invoice_numbers",
    metadata,
    Column("organisation_id", String(36), primary_key=True),
    Column("invoice_number", String(200), primary_key=True),
    Column("issue_date", Date, primary_key=True),
    Column("invoice_id", String(36), nullable=False),
)

invoice_rows = Table(
    "invoice_rows",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("organisation_id", String(36), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("document_type", String(16), nullable=False),
    Column("invoice_number", String(200), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("counterparty", String(300), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Index("invoice_rows_listing", "organisation_id", "direction", "created_at"),
)

invoice_timeline = Table(
    "invoice_timeline",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("event", String(40), nullable=False),
    Column("detail", Text, nullable=False),
)

invoice_details = Table(
    "invoice_details",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("warnings", Text, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("document", Text, nullable=False),
    UniqueConstraint("invoice_id"),
)

invoice_pdfs = Table(
    "invoice_pdfs",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("options", String(40), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
)

# An invoice the transport consumer took for the network, committed before its first hand-over:
# from then on it goes over the network or fails, never into an inbox here (whoever joins).
network_claims = Table(
    "network_claims",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("message_id", String(36), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
)


def create_state_tables(engine: Engine) -> None:
    """Create the tables that do not exist yet."""
    metadata.create_all(engine)

"""The notifications database: a read model of users and the outbox of mails to send."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()

known_users = Table(
    "known_users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False),
    Column("email", String(320), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("email_verified_at", DateTime(timezone=True), nullable=True),
)

# One row per (event, recipient): the primary key is what makes a mail exist at most once.
# `context` holds what the template needs; a verification token stays sealed in it until the
# moment of sending, so this table never holds a usable token either.
outgoing_mails = Table(
    "outgoing_mails",
    metadata,
    Column("mail_id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False, index=True),
    Column("kind", String(64), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("language", String(2), nullable=False),
    Column("context", JSON, nullable=False),
    Column("correlation_id", String(64), nullable=True),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)

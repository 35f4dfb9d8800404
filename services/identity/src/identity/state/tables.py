"""The tables (SQLAlchemy Core), created at start-up on SQLite and PostgreSQL alike."""

from __future__ import annotations

from servicekit.sqltypes import UtcDateTime
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table
from sqlalchemy.engine import Engine

metadata = MetaData()

credentials = Table(
    "credentials",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("password_hash", String(512), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

# Verification, reset and invitation tokens: only their SHA-256 is kept.
one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Index("one_time_tokens_subject", "kind", "subject_id"),
)

# One row per login; its refresh tokens are the session's family.
sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("user_id", String(36), nullable=False, index=True),
    Column("environment_id", String(36), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_issued_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_reason", String(64), nullable=True),
    Column("revocation_published_at", UtcDateTime, nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("session_id", String(36), nullable=False, index=True),
    Column("generation", Integer, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)

# Failed logins of the last window; `account_key` is the SHA-256 of the normalised address, so
# addresses people mistyped are not kept in clear.
login_failures = Table(
    "login_failures",
    metadata,
    Column("failure_id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(64), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("login_failures_account", "account_key", "failed_at"),
    Index("login_failures_address", "client_address", "failed_at"),
    Index("login_failures_age", "failed_at"),
)


# What identity knows of organisations, learnt only from the organisation context's events.
known_organisations = Table(
    "known_organisations",
    metadata,
    Column("organisation_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("status", String(32), nullable=False),
    Column("receiving_enabled", Boolean, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)

# Who belongs to which environment, written in the same transaction as the user's first event,
# so an environment's users are listed without reading the whole event store.
environment_users = Table(
    "environment_users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False, index=True),
    Column("email", String(320), nullable=False),
)


def create_state_tables(engine: Engine) -> None:
    """Create identity's state tables if they are missing."""
    metadata.create_all(engine)

"""The notifications database, beside its event store: read model, mail outbox, audit.

Everything here commits in the transaction of the change that causes it: the consumer's
tracking record, the notification's events, the outbox row and the audit entry together.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

# -- read model, built only from other contexts' events ------------------------------------

known_users = Table(
    "known_users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("email_verified_at", DateTime(timezone=True), nullable=True),
    # "admin" for whoever created the environment at sign-up, "basic" for invitees (identity
    # publishes no later change of environment role yet).
    Column("environment_role", String(16), nullable=True),
    # The six choices of API.md; null means the defaults (all on but product news).
    Column("email_preferences", JSON, nullable=True),
)

# Addresses invited into an environment: their UserRegistered joins it, it does not create it.
invited_addresses = Table(
    "invited_addresses",
    metadata,
    Column("environment_id", String(36), primary_key=True),
    Column("email", String(320), primary_key=True),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("organisation_id", String(36), primary_key=True, index=True),
    Column("role", String(16), nullable=False),
)

known_organisations = Table(
    "known_organisations",
    metadata,
    Column("organisation_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("status", String(32), nullable=False),
    Column("receiving", Boolean, nullable=False),
)

# What an invoice mail needs that the later events (sent, failed) no longer carry.
known_invoices = Table(
    "known_invoices",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("organisation_id", String(36), nullable=False),
    Column("document_type", String(16), nullable=False),
    Column("invoice_number", String(200), nullable=False),
    Column("issue_date", String(10), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payable_amount", String(40), nullable=False),
    Column("customer_name", String(300), nullable=False),
)

# -- the mail outbox: one row per (event, recipient), whatever was decided ------------------

# The primary key is the notification id (event, recipient): a mail exists at most once.
# `context` holds what the template needs; a verification token stays sealed in it until the
# moment of sending, so this table never holds a usable token either.
# status: pending -> sending -> sent; sending -> retrying -> sending ...; after the last retry
# held (still tried, slowly, and at once when the server answers again); failed (refused for
# good); suppressed (decided against, never sent).
outgoing_mails = Table(
    "outgoing_mails",
    metadata,
    Column("mail_id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("language", String(2), nullable=False),
    Column("context", JSON, nullable=False),
    Column("correlation_id", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("event_type", String(100), nullable=True),
    Column("user_id", String(36), nullable=True),
    Column("environment_id", String(36), nullable=True),
    Column("organisation_id", String(36), nullable=True),
    # A sender owns a row in `sending` until this moment; after it (the sender died between
    # claiming and recording) any sender may take it again.
    Column("lease_until", DateTime(timezone=True), nullable=True),
    # Failed rows wait here until their dead-letter message is on the stream.
    Column("dead_letter_pending", Boolean, nullable=True),
)
Index("outgoing_mails_due", outgoing_mails.c.status, outgoing_mails.c.next_attempt_at)

# -- the audit: one row per decision (sent, suppressed, failed) -----------------------------

# Indexed for what is asked often (a user's own, newest first; an event's or a request's
# decisions; a time range); an operator's search by environment or organisation scans, which
# keeps every mail's write cheaper (each index is written with it).

notification_audit = Table(
    "notification_audit",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("notification_id", String(36), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("event_id", String(36), nullable=False, index=True),
    Column("recipient", String(320), nullable=False),
    Column("user_id", String(36), nullable=True),
    Column("environment_id", String(36), nullable=True),
    Column("organisation_id", String(36), nullable=True),
    Column("reason", Text, nullable=True),
    Column("permanent", Boolean, nullable=True),
    Column("correlation_id", String(64), nullable=True, index=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)
Index("notification_audit_by_user", notification_audit.c.user_id, notification_audit.c.at)


def create_tables(engine: Engine) -> None:
    """Create missing tables, and add columns an older version of a table lacks."""
    metadata.create_all(engine)
    _add_missing_columns(engine)


def _add_missing_columns(engine: Engine) -> None:
    # The first version of this service had narrower known_users and outgoing_mails tables;
    # their new columns are all nullable, so adding them keeps every row valid.
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in (known_users, outgoing_mails):
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(
                        text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                    )

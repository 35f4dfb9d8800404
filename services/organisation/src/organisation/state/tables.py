"""The organisation service's own tables, created at start-up on SQLite and PostgreSQL alike.

They commit in the same transaction as the events that change them, so they never disagree
with the event store: the organisations as the API shows them (listing by environment needs a
table), the KvK registrations that are pending or active (one environment at a time), and the
participant ids in the directory (one organisation each).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, String, Table, Text
from sqlalchemy.engine import Engine

metadata = MetaData()

organisation_rows = Table(
    "organisation_rows",
    metadata,
    Column("organisation_id", String(36), primary_key=True),
    Column("environment_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("document", Text, nullable=False),
    Index("organisation_rows_by_environment", "environment_id", "name"),
    Index("organisation_rows_by_status", "status"),
)

registrations = Table(
    "kvk_registrations",
    metadata,
    # "<kvk number>/<establishment number or ->": held while pending or active.
    Column("registration", String(40), primary_key=True),
    Column("organisation_id", String(36), nullable=False),
    Column("environment_id", String(36), nullable=False),
)

participants = Table(
    "directory_participants",
    metadata,
    Column("participant_id", String(80), primary_key=True),
    Column("organisation_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Index("directory_participants_by_organisation", "organisation_id"),
)


def create_state_tables(engine: Engine) -> None:
    """Create the tables that do not exist yet."""
    metadata.create_all(engine)

"""The organisation service's own tables, created at start-up on SQLite and PostgreSQL alike.

They commit in the same transaction as the events that change them, so they never disagree
with the event store: the organisations as the API shows them (listing by environment needs a
table), the KvK registrations that are pending or active (one environment at a time), the
registrations added in each environment (once each), and the participant ids in the directory
(one organisation each).
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

environment_registrations = Table(
    "environment_registrations",
    metadata,
    # One registration ("<kvk number>/<establishment number or ->") once per environment: the
    # primary key stops a second copy even when two requests check at the same moment. Copies
    # added before this table existed hold no row: the checks that read organisation_rows
    # still find them (only two new copies can race, and they both claim here).
    Column("environment_id", String(36), primary_key=True),
    Column("registration", String(40), primary_key=True),
    Column("organisation_id", String(36), nullable=False),
)

participants = Table(
    "directory_participants",
    metadata,
    Column("participant_id", String(80), primary_key=True),
    Column("organisation_id", String(36), nullable=False),
    Column("name", String(200), nullable=False),
    Index("directory_participants_by_organisation", "organisation_id"),
)


def registration_of(kvk_number: str | None, establishment_number: str | None) -> str:
    """What may be added once per environment, and active in one environment at a time: the
    KvK number with the establishment number."""
    return f"{kvk_number}/{establishment_number or '-'}"


def create_state_tables(engine: Engine) -> None:
    """Create the tables that do not exist yet."""
    metadata.create_all(engine)

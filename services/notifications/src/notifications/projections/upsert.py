"""Insert-or-update in the dialect at hand (SQLite and PostgreSQL both say ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table, values: dict[str, Any], update: dict[str, Any]) -> None:
    """Insert `values`; when the primary key exists, set `update` instead."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    keys = [column for column in table.primary_key.columns]
    statement = insert(table).values(**values)
    if update:
        session.execute(statement.on_conflict_do_update(index_elements=keys, set_=update))
    else:
        session.execute(statement.on_conflict_do_nothing(index_elements=keys))


def insert_once(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert unless the primary key exists; True when this call inserted the row."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    keys = [column for column in table.primary_key.columns]
    result = session.execute(
        insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]

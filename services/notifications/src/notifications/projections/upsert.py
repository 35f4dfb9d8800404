"""Insert-or-update and insert-if-absent with statements SQLAlchemy can cache.

The dialects' ON CONFLICT inserts have no cache key: SQLAlchemy compiles them again for every
row, which cost more than running them (measured). An update (or a look-up) first and a plain
insert when nothing was there are compiled once. Two writers racing for the same key still meet
the primary key: the loser's transaction fails and its work is retried.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, select, update
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table, values: dict[str, Any], changes: dict[str, Any]) -> None:
    """Insert `values`; when the primary key exists, set `changes` instead."""
    key = _key(table, values)
    if changes:
        result = session.execute(update(table).where(key).values(**changes))
        if result.rowcount:  # type: ignore[attr-defined]
            return
    elif session.execute(select(*table.primary_key.columns).where(key)).first() is not None:
        return
    session.execute(table.insert().values(**values))


def insert_once(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert unless the primary key exists; True when this call inserted the row."""
    found = session.execute(select(*table.primary_key.columns).where(_key(table, values))).first()
    if found is not None:
        return False
    session.execute(table.insert().values(**values))
    return True


def _key(table: Table, values: dict[str, Any]) -> Any:
    return and_(*(column == values[column.name] for column in table.primary_key.columns))

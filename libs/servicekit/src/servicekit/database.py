"""A service's own relational database for read models and bookkeeping (SQLite or PostgreSQL)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from servicekit.eventstore import normalise_database_url

# Any fixed number: the advisory lock replicas take while they create their tables.
SCHEMA_LOCK_KEY = 7_316_228_001

current_session: ContextVar[Session] = ContextVar("servicekit_current_session")
"""The session of the transaction open on this thread, so nested work joins it."""

# sqlalchemy's, eventsourcing's and the drivers' own spellings of "the database is not there".
_UNREACHABLE_NAMES = frozenset({"OperationalError", "InterfaceError", "DisconnectionError"})


def store_unreachable(error: BaseException) -> bool:
    """True when the error, or one it came from, says the database cannot be reached.

    Besides the drivers' operational errors this covers a connection sqlalchemy has marked
    invalid: a statement that lost its server connection leaves the transaction unusable, and
    what the caller then meets is a PendingRollbackError that no longer names the outage.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "connection_invalidated", False):
            return True
        if _UNREACHABLE_NAMES.intersection(kind.__name__ for kind in type(current).__mro__):
            return True
        current = current.__cause__ or current.__context__
    return False


class Database:
    """Engine and transactions for a service database that is not an event store."""

    def __init__(self, url: str) -> None:
        url = normalise_database_url(url)
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Session]:
        """A session whose work commits at the end of the block (or rolls back on error).

        Inside an open transaction of this thread (a group commit), joins it instead.
        """
        joined = current_session.get(None)
        if joined is not None:
            yield joined
            return
        session = self._sessions()
        token = current_session.set(session)
        try:
            yield session
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            current_session.reset(token)
            session.close()

    def ping(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work beside the single writer; NORMAL sync is durable in WAL mode.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextlib.contextmanager
def schema_lock(url: str) -> Iterator[None]:
    """Replicas starting together create their tables one after another (PostgreSQL).

    Tables are created on start when missing; two processes checking at once would both try,
    and the second fail. On SQLite (one process per file) there is nothing to do.
    """
    url = normalise_database_url(url)
    if not url.startswith("postgresql"):
        yield
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY}
                )
                connection.commit()
    finally:
        engine.dispose()

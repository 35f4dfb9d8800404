"""Event stores: eventsourcing with SQLAlchemy, SQLite by default, PostgreSQL by URL.

Store work runs on the process's store thread (`servicekit.executor.StoreExecutor`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from eventsourcing.application import Application
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicekit import metrics, tracing


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def store_environment(database_url: str, *, core_statements: bool = False) -> dict[str, str]:
    """The eventsourcing environment for an application persisted at `database_url`.

    `core_statements`: append and follow the log with Core statements built once
    (`servicekit.recorders`) rather than the library's ORM records and queries.
    """
    return {
        "PERSISTENCE_MODULE": (
            "servicekit.recorders:StatementRecorderFactory"
            if core_statements
            else "eventsourcing_sqlalchemy"
        ),
        "SQLALCHEMY_URL": normalise_database_url(database_url),
        "CREATE_TABLE": "true",
    }


class MeteredApplication(Application[Any]):
    """An eventsourcing application that counts the events it appends, by type."""

    def _notify(self, recordings: list[Any]) -> None:
        for recording in recordings:
            topic = recording.notification.topic
            metrics.EVENTS_APPENDED.labels(topic.rsplit(":", 1)[-1]).inc()
            # The relay publishes it later: it continues the trace of the work that saved it.
            tracing.remember((self.name, recording.notification.id))
        super()._notify(recordings)


class SharedDatabase:
    """The application's own database, for tables that must commit with its events.

    The relay's position and consumers' tracking rows live beside the events, written through
    the datastore the recorder uses, so one transaction covers an effect and its record.
    """

    def __init__(self, app: Application[Any]) -> None:
        self.datastore: Any = app.recorder.datastore  # type: ignore[attr-defined]

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine behind the event store."""
        engine: Engine = self.datastore.engine
        return engine

    @contextlib.contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Session]:
        """A session in the datastore's transaction (joins one already open on this thread)."""
        with self.datastore.transaction(commit=commit) as session:
            yield session

    def ping(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

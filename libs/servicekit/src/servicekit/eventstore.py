"""Event stores: eventsourcing with SQLAlchemy, SQLite by default, PostgreSQL by URL.

Store work runs on the process's store thread (`servicekit.executor.StoreExecutor`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicekit import metrics, tracing


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def store_environment(database_url: str) -> dict[str, str]:
    """The eventsourcing environment for an application persisted at `database_url`."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": normalise_database_url(database_url),
        "CREATE_TABLE": "true",
    }


class BulkInsertRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing's SQLAlchemy recorder, inserting a save's events with one Core statement.

    The library inserts through the ORM: a record object per event, added to the session and
    flushed for its notification id, then tracked by the session until the commit. That was the
    largest single cost of a save (measured: a fifth of the invoicing process's Python time
    under load). Here one INSERT ... RETURNING id writes them all and returns their ids in the
    order of the events; the table lock (PostgreSQL), the NOTIFY and the errors are the
    library's own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = self.events_record_cls.__table__
        self._insert_returning_ids = insert(table).returning(
            table.c.id, sort_by_parameter_order=True
        )
        columns = (table.c.originator_id, table.c.originator_version, table.c.topic)
        # The two reads of every command and relay pass, as Core statements built once (the
        # library builds an ORM query per call and loads a record object per row).
        self._aggregate_events = (
            select(*columns, table.c.state)
            .where(table.c.originator_id == bindparam("the_originator"))
            .order_by(table.c.originator_version)
        )
        self._notifications_from = (
            select(table.c.id, *columns, table.c.state)
            .where(table.c.id >= bindparam("the_start"))
            .order_by(table.c.id)
            .limit(bindparam("the_limit"))
        )
        self._newest_id = select(func.max(table.c.id))

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        """All of an aggregate's events in order (the library's query for anything else)."""
        if gt is not None or lte is not None or desc or limit is not None:
            return super().select_events(originator_id, gt, lte, desc, limit)
        with self.transaction(commit=False) as session:
            rows = session.execute(self._aggregate_events, {"the_originator": originator_id})
            return [
                StoredEvent(
                    originator_id=row[0],
                    originator_version=row[1],
                    topic=row[2],
                    state=_as_bytes(row[3]),
                )
                for row in rows
            ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        """Up to `limit` notifications from `start` on (the library's query for anything
        else)."""
        if start is None or stop is not None or topics or not inclusive_of_start:
            return super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        with self.transaction(commit=False) as session:
            rows = session.execute(
                self._notifications_from, {"the_start": start, "the_limit": limit}
            )
            return [
                Notification(
                    id=row[0],
                    originator_id=row[1],
                    originator_version=row[2],
                    topic=row[3],
                    state=_as_bytes(row[4]),
                )
                for row in rows
            ]

    def max_notification_id(self) -> int | None:
        """The newest notification's id (None when there is none): the relay asks each pass."""
        with self.transaction(commit=False) as session:
            newest: int | None = session.execute(self._newest_id).scalar()
        return newest

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        if self._has_autoincrementing_ids:
            self._lock_table(session)
        ids = session.execute(
            self._insert_returning_ids,
            [
                {
                    "originator_id": e.originator_id,
                    "originator_version": e.originator_version,
                    "topic": e.topic,
                    "state": e.state,
                }
                for e in stored_events
            ],
        ).scalars()
        notification_ids = list(ids)
        self._notify_channel(session)
        return notification_ids


def _as_bytes(state: Any) -> bytes:
    return bytes(state) if isinstance(state, memoryview) else state


class MeteredApplication(Application[Any]):
    """An eventsourcing application that counts the events it appends, by type."""

    def construct_recorder(self) -> ApplicationRecorder:
        """The library's recorder, but with events inserted in bulk (BulkInsertRecorder)."""
        library = getattr(type(self.factory), "application_recorder_class", None)
        if library is SQLAlchemyApplicationRecorder:
            self.factory.application_recorder_class = BulkInsertRecorder  # type: ignore[attr-defined]
        return super().construct_recorder()

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

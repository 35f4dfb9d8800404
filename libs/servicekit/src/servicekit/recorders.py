"""An event store recorder that appends and follows the log with SQLAlchemy Core statements
built once, instead of eventsourcing-sqlalchemy's ORM records and queries.

The library adds an ORM object per event and flushes the session (a unit of work) to learn the
notification ids, and the relay's read of the log builds an ORM query every pass. For a service
that saves an event for nearly every thing it does (notifications: one per mail sent) those were
the largest single costs of its store thread (measured: the flush alone ~15% of it). The
statements here do the same work: the same table and column types, the same table lock on
PostgreSQL (insert order is commit order), the same NOTIFY, ids in the order of the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session


class StatementRecorder(SQLAlchemyApplicationRecorder):
    """eventsourcing-sqlalchemy's application recorder, with Core statements on the hot paths."""

    def __init__(
        self,
        datastore: SQLAlchemyDatastore,
        *,
        events_table_name: str,
        schema_name: str | None = None,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, schema_name=schema_name)
        table = self.events_record_cls.__table__
        # RETURNING in the order of the rows given: the ids belong to the events in turn.
        self._append = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        self._from = (
            select(
                table.c.id,
                table.c.originator_id,
                table.c.originator_version,
                table.c.topic,
                table.c.state,
            )
            .where(table.c.id >= bindparam("start"))
            .order_by(table.c.id)
            .limit(bindparam("most"))
        )
        self._newest = select(func.max(table.c.id))

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        if not rows:
            return []
        self._lock_table(session)
        ids = list(session.execute(self._append, rows[0] if len(rows) == 1 else rows).scalars())
        self._notify_channel(session)
        return ids

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        """Notifications from `start` on (the relay's read); other forms as the library does."""
        if start is None or stop is not None or topics or not inclusive_of_start:
            return super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        with self.transaction(commit=False) as session:
            rows = session.execute(self._from, {"start": start, "most": limit}).all()
        return [
            Notification(
                id=row.id,
                originator_id=row.originator_id,
                originator_version=row.originator_version,
                topic=row.topic,
                state=bytes(row.state) if isinstance(row.state, memoryview) else row.state,
            )
            for row in rows
        ]

    def max_notification_id(self) -> int | None:
        """The newest notification's id (None when there is none)."""
        with self.transaction(commit=False) as session:
            newest: int | None = session.execute(self._newest).scalar()
        return newest


class StatementRecorderFactory(SQLAlchemyFactory):
    """eventsourcing-sqlalchemy's factory, making `StatementRecorder`s for applications."""

    application_recorder_class = StatementRecorder

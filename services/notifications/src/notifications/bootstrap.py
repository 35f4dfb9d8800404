"""Composition root: settings in, a wired notifications service out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.tables import create_bookkeeping_tables
from sqlalchemy import event

from notifications.application import NotificationsApplication
from notifications.integration.inbound import InboundEvents
from notifications.mail.dispatcher import MailDispatcher
from notifications.settings import NotificationsSettings
from notifications.tables import create_tables
from notifications.usecases.announcements import Announcements
from notifications.usecases.decisions import Decisions


def _sqlite_wal_normal_sync(dbapi_connection: Any, _record: Any) -> None:
    # WAL with NORMAL sync: a commit survives a crash of this process without waiting for the
    # disk; only a power cut may take the last commits back (then their events are applied
    # again from the stream, and a mail may go out a second time with its same Message-ID).
    # eventsourcing's own WAL switch did not take effect here, and the rollback journal with
    # FULL sync made every mail wait for four disk flushes (its claim and its record).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def utc_now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


@dataclass
class Notifications:
    """The notifications service's parts, wired."""

    settings: NotificationsSettings
    app: NotificationsApplication
    database: SharedDatabase
    executor: StoreExecutor
    inbound: InboundEvents
    dispatcher: MailDispatcher
    announcements: Announcements


def bootstrap(
    settings: NotificationsSettings | None = None, clock: Callable[[], datetime] = utc_now
) -> Notifications:
    """Build the notifications service from settings (environment variables by default)."""
    settings = settings or NotificationsSettings()
    app = NotificationsApplication(store_environment(settings.database_url))
    # Read model, outbox, audit and tracking live beside the events: one transaction each.
    database = SharedDatabase(app)
    if database.engine.dialect.name == "sqlite":
        event.listen(database.engine, "connect", _sqlite_wal_normal_sync)
        database.engine.dispose()  # connections made so far reconnect with the pragma
    create_tables(database.engine)
    create_bookkeeping_tables(database.engine)
    # Events applied together commit together (group commit; see servicekit.executor).
    executor = StoreExecutor("notifications", database)
    return Notifications(
        settings=settings,
        app=app,
        database=database,
        executor=executor,
        inbound=InboundEvents(Decisions(app, clock)),
        dispatcher=MailDispatcher(settings, app, database, executor, clock),
        announcements=Announcements(app, database, clock),
    )

"""Composition root: settings in, a wired notifications service out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from servicekit.eventstore import SharedDatabase, store_environment
from servicekit.executor import StoreExecutor
from servicekit.tables import create_bookkeeping_tables

from notifications.application import NotificationsApplication
from notifications.integration.inbound import InboundEvents
from notifications.mail.dispatcher import MailDispatcher
from notifications.settings import NotificationsSettings
from notifications.tables import create_tables
from notifications.usecases.announcements import Announcements
from notifications.usecases.decisions import Decisions


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

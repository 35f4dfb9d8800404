"""Composition root: settings in, a wired notifications service out."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.database import Database
from servicekit.executor import StoreExecutor
from servicekit.tables import create_bookkeeping_tables

from notifications.mail.dispatcher import MailDispatcher
from notifications.settings import NotificationsSettings
from notifications.tables import metadata


@dataclass
class Notifications:
    """The notifications service's parts, wired."""

    settings: NotificationsSettings
    database: Database
    executor: StoreExecutor
    dispatcher: MailDispatcher


def bootstrap(settings: NotificationsSettings | None = None) -> Notifications:
    """Build the notifications service from settings (environment variables by default)."""
    settings = settings or NotificationsSettings()
    database = Database(settings.database_url)
    metadata.create_all(database.engine)
    create_bookkeeping_tables(database.engine)
    # Events applied together commit together (group commit; see servicekit.executor).
    executor = StoreExecutor("notifications", database)
    return Notifications(
        settings=settings,
        database=database,
        executor=executor,
        dispatcher=MailDispatcher(settings, database, executor),
    )

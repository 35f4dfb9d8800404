"""Request/reply handlers: the audit for users and operators, product news for operators."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from contracts.commands.notifications import (
    AnnounceProductNews,
    ListMyNotifications,
    NotificationPage,
    ProductNewsAnnouncement,
    SearchNotifications,
)
from servicekit.eventstore import SharedDatabase
from servicekit.executor import StoreExecutor

from notifications.usecases import audit
from notifications.usecases.announcements import Announcements


class NotificationHandlers:
    """Answers qry.notifications.* and cmd.notifications.*."""

    def __init__(
        self,
        database: SharedDatabase,
        executor: StoreExecutor,
        announcements: Announcements,
        saved: Callable[[], None],
    ) -> None:
        self._db = database
        self._executor = executor
        self._announcements = announcements
        self._saved = saved

    async def mine(self, query: ListMyNotifications) -> NotificationPage:
        """The caller's own mails, newest first."""
        return await self._executor.run_alone(partial(self._read, audit.my_notifications, query))

    async def search(self, query: SearchNotifications) -> NotificationPage:
        """Operators' search."""
        return await self._executor.run_alone(partial(self._read, audit.search, query))

    async def announce(self, command: AnnounceProductNews) -> ProductNewsAnnouncement:
        """Record product news and have the relay publish it at once."""
        announced = await self._executor.run(self._announcements.announce, command)
        self._saved()
        return announced

    def _read(self, query_fn: Callable[..., NotificationPage], query: object) -> NotificationPage:
        with self._db.transaction(commit=False) as session:
            return query_fn(session, query)

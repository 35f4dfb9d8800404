"""Operators announce product news; the bus carries it back to us to decide per user.

Recording the announcement is all this does: its ProductNewsAnnounced event reaches this
service's own consumer like any other event, so each user's mail is decided once, in stream
order after their latest preference change, and with the same exactly-once guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.commands.notifications import AnnounceProductNews, ProductNewsAnnouncement
from servicekit.domain import caused_by
from servicekit.logs import current_correlation_id

from notifications.application import NotificationsApplication
from notifications.domain.announcement import ProductNews


class Announcements:
    """Records product news."""

    def __init__(
        self, app: NotificationsApplication, database: Any, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._db = database
        self._clock = clock

    def announce(self, command: AnnounceProductNews) -> ProductNewsAnnouncement:
        """Record the announcement; the relay publishes it."""
        now = self._clock()
        with self._db.transaction(), caused_by(current_correlation_id()):
            news = ProductNews(
                title_nl=command.title_nl,
                title_en=command.title_en,
                body_nl=command.body_nl,
                body_en=command.body_en,
                link=command.link,
                announced_by=command.operator.name,
                announced_at=now,
            )
            self._app.save(news)
        return ProductNewsAnnouncement(announcement_id=news.id, announced_at=now)

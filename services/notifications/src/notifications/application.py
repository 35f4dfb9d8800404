"""Notifications' event-sourced application: where every decision about a mail is stored."""

from __future__ import annotations

import uuid

from eventsourcing.application import AggregateNotFoundError
from servicekit.eventstore import MeteredApplication

from notifications.domain.notification import Notification


class NotificationsApplication(MeteredApplication):
    """The notifications event store; the use cases in `notifications.usecases` drive it."""

    name = "notifications"

    def notification(self, notification_id: uuid.UUID) -> Notification | None:
        """The notification as recorded now; None when nothing was decided about it."""
        try:
            found: Notification = self.repository.get(notification_id)
        except AggregateNotFoundError:
            return None
        return found

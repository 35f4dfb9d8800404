"""Notifications' event-sourced application: where every decision about a mail is stored."""

from __future__ import annotations

from servicekit.eventstore import MeteredApplication


class NotificationsApplication(MeteredApplication):
    """The notifications event store: decisions and product news; `notifications.usecases`
    drive it."""

    name = "notifications"

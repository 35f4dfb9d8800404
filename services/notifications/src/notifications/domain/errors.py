"""What the notifications domain refuses, by name."""

from __future__ import annotations


class NotificationsError(Exception):
    """A rule of the notifications domain was broken."""


class NotificationClosed(NotificationsError):
    """The notification was already sent, suppressed or refused: nothing more may happen."""

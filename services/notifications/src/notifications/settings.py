"""Notifications settings (environment variables)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import CommonSettings


class NotificationsSettings(CommonSettings):
    """What the notifications service needs beyond the common settings."""

    notifications_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the service database; SQLite under var/ when unset",
    )
    notifications_private_key: str = Field(
        description="Opens verification tokens sealed to us (base64)"
    )
    smtp_url: str = Field(
        default="smtp://127.0.0.1:8025", description="smtp://[user:pass@]host:port"
    )
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "E-facturatie <no-reply@einvoice.localhost>"
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Base of links in mails"
    )

    @property
    def database_url(self) -> str:
        """The service database's URL."""
        return self.notifications_database_url or self.sqlite_url("notifications")

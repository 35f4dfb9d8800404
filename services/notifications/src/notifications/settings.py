"""Notifications settings (environment variables)."""

from __future__ import annotations

from pydantic import Field, field_validator
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
        default="smtp://127.0.0.1:8025",
        description="smtp://[user:pass@]host:port, or smtps:// for TLS from the first byte",
    )
    smtp_timeout_seconds: float = 10.0
    smtp_connections: int = Field(
        default=4, ge=1, le=32, description="SMTP connections used side by side"
    )
    mail_from: str = "E-facturatie <no-reply@einvoice.localhost>"
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Base of links in mails"
    )
    mail_retry_delays: str = Field(
        default="1,5,15,60,300,900",
        description="Seconds to wait before each retry of a mail the server did not take "
        "(comma-separated); after the last retry it is dead-lettered and held",
    )
    mail_held_retry_seconds: float = Field(
        default=300.0, description="How often a held mail is tried again"
    )
    mail_probe_seconds: float = Field(
        default=2.0,
        description="While mails wait for an unreachable server, how often to check whether "
        "it is back (a connection without a mail); when it is, they go out at once",
    )

    @field_validator("mail_retry_delays")
    @classmethod
    def _delays_are_numbers(cls, value: str) -> str:
        delays = [float(part) for part in value.split(",") if part.strip()]
        if not delays or any(d < 0 for d in delays):
            raise ValueError("give one or more delays in seconds, e.g. 1,5,15")
        return value

    @property
    def retry_delays(self) -> tuple[float, ...]:
        """MAIL_RETRY_DELAYS as numbers."""
        return tuple(float(part) for part in self.mail_retry_delays.split(",") if part.strip())

    @property
    def lease_seconds(self) -> float:
        """How long a sender owns a mail it is sending (then another may take it)."""
        # A send is several SMTP commands, each allowed the timeout.
        return 6 * self.smtp_timeout_seconds + 5

    @property
    def database_url(self) -> str:
        """The service database's URL."""
        return self.notifications_database_url or self.sqlite_url("notifications")

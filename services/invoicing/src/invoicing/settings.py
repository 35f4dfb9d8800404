"""Invoicing settings (environment variables)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import CommonSettings


class InvoicingSettings(CommonSettings):
    """What the invoicing service needs beyond the common settings."""

    invoicing_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the event store; SQLite under var/ when unset"
    )

    @property
    def database_url(self) -> str:
        """The event store's URL."""
        return self.invoicing_database_url or self.sqlite_url("invoicing")

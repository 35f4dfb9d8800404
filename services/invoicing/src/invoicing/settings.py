"""Invoicing settings (environment variables)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from servicekit.settings import CommonSettings


class InvoicingSettings(CommonSettings):
    """What the invoicing service needs beyond the common settings."""

    invoicing_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the event store; SQLite under var/ when unset"
    )
    einvoice_rules_dir: str | None = Field(
        default=None,
        description="Folder with the official UBL XSD and EN 16931 / Peppol BIS Schematron files; "
        "unset: ../shared/einvoice from the repository root",
    )
    validation_workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Worker processes that validate invoices (saxonche holds the GIL for a "
        "whole validation, so threads would not help)",
    )
    validation_warm_start: bool = Field(
        default=True,
        description="Compile the rules in the validation workers right after start (true), or "
        "on the first document (false: test stacks, where most never see one)",
    )

    invoicing_access_point_url: str | None = Field(
        default=None,
        description="The access point that takes invoices for participants outside this "
        "platform (the HTTP relay in invoicing.transport); unset: no route outside this platform",
    )
    invoicing_access_point_token: SecretStr | None = Field(
        default=None, description="Bearer token for the access point, if it wants one"
    )
    invoicing_access_point_timeout_seconds: float = Field(
        default=30.0, gt=0, le=300, description="How long one hand-over may take"
    )
    invoicing_transport_attempts: int = Field(
        default=16,
        ge=1,
        le=100,
        description="Attempts to hand an invoice to the access point while it cannot be reached, "
        "before the invoice fails (no-route)",
    )
    invoicing_transport_retry_max_seconds: float = Field(
        default=900.0,
        gt=0,
        description="The longest wait between two attempts (the waits double from half a "
        "second up to this): 16 attempts span about an hour and a quarter",
    )

    @field_validator("invoicing_access_point_url")
    @classmethod
    def _an_http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL with a host: {value!r}")
        return value

    @property
    def database_url(self) -> str:
        """The event store's URL."""
        return self.invoicing_database_url or self.sqlite_url("invoicing")

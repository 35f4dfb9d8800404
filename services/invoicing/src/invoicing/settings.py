"""Invoicing settings (environment variables)."""

from __future__ import annotations

from pydantic import Field
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

    @property
    def database_url(self) -> str:
        """The event store's URL."""
        return self.invoicing_database_url or self.sqlite_url("invoicing")

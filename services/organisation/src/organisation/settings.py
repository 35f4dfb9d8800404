"""Organisation settings (environment variables)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from servicekit.settings import CommonSettings


class OrganisationSettings(CommonSettings):
    """What the organisation service needs beyond the common settings."""

    organisation_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the event store; SQLite under var/ when unset"
    )

    vat_check: Literal["fake", "vies"] = Field(
        default="fake",
        description="Who verifies VAT ids: `fake` (no network; every checksum-valid id is "
        "registered except organisation.vat_check.NOT_REGISTERED) or `vies`, the EU's VIES",
    )
    vies_base_url: str = Field(
        default="https://ec.europa.eu/taxation_customs/vies/rest-api",
        description="Base URL of the VIES REST API ({base}/check-vat-number), when VAT_CHECK=vies",
    )

    @property
    def database_url(self) -> str:
        """The event store's URL."""
        return self.organisation_database_url or self.sqlite_url("organisation")

"""Organisation settings (environment variables)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from servicekit.settings import CommonSettings


class OrganisationSettings(CommonSettings):
    """What the organisation service needs beyond the common settings."""

    organisation_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the event store; SQLite under var/ when unset"
    )

    kvk_base_url: str = Field(
        default="http://127.0.0.1:8026/api",
        description="Base URL of the KvK APIs ({base}/v2/zoeken, {base}/v1/basisprofielen). "
        "The real register is https://api.kvk.nl/api (its test environment "
        "https://api.kvk.nl/test/api); the default is devstack's local fake KvK server on its "
        "`make run` port, and the devstack passes its own fake's URL as KVK_BASE_URL",
    )
    kvk_api_key: SecretStr | None = Field(
        default=None,
        description="Sent as the `apikey` header. KvK's public test key "
        "l7xx1f2691f2520d487b902f4e0b57a0b197 works for its test environment and the fake",
    )
    kvk_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long one question to the KvK register may take"
    )
    kvk_cache_seconds: float = Field(
        default=300.0, ge=0, description="How long KvK answers are reused; 0 turns the cache off"
    )

    activation: Literal["automatic", "operator"] = Field(
        default="automatic",
        description="Who verifies an activation: `automatic` (make run, tests) approves at "
        "once; `operator` leaves it activation_pending until an operator approves on /ops",
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

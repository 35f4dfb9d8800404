"""Partners settings (environment variables)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import CommonSettings


class PartnersSettings(CommonSettings):
    """What the partners service needs beyond the common settings."""

    partners_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the service database; SQLite under var/ when unset",
    )
    partners_private_key: str = Field(
        description="Opens webhook secrets sealed to us by the gateway (base64)"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one POST may take before it counts as failed"
    )
    webhook_retry_base_seconds: float = Field(
        default=5.0, gt=0, description="The first retry's delay; each next one doubles"
    )
    webhook_retry_max_delay_seconds: float = Field(
        default=3600.0, gt=0, description="The longest wait between two tries"
    )
    webhook_retry_period_seconds: float = Field(
        default=24 * 3600.0,
        gt=0,
        description="How long a delivery is retried before it is marked failed",
    )
    webhook_concurrency: int = Field(
        default=32, ge=1, le=512, description="Webhooks delivered to side by side"
    )
    webhook_allow_private_destinations: bool = Field(
        default=False,
        description="Allow URLs on private, loopback and link-local addresses (dev and tests "
        "only: in production that would let anyone make the platform call its own network)",
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often due retries are looked for"
    )
    partner_feed_max_age_days: float = Field(
        default=30.0, gt=0, description="How long the PARTNER stream keeps a message"
    )

    @property
    def database_url(self) -> str:
        """The service database's URL."""
        return self.partners_database_url or self.sqlite_url("partners")

"""Identity settings (environment variables)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import CommonSettings


class IdentitySettings(CommonSettings):
    """What the identity service needs beyond the common settings."""

    identity_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the event store; SQLite under var/ when unset"
    )
    identity_private_key: str = Field(
        description="Opens passwords the gateway sealed to us (base64)"
    )
    notifications_public_key: str = Field(description="Seals verification tokens for notifications")
    verification_ttl_hours: float = 48.0
    # OWASP's minimum for argon2id is m=19 MiB, t=2, p=1; the defaults are RFC 9106's
    # low-memory profile. Only the benchmark lowers them, and it says so.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4

    @property
    def database_url(self) -> str:
        """The event store's URL."""
        return self.identity_database_url or self.sqlite_url("identity")

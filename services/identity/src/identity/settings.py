"""Identity settings (environment variables)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from servicekit.settings import CommonSettings
from servicekit.streams import REVOKED_SESSIONS_TTL_SECONDS


class IdentitySettings(CommonSettings):
    """What the identity service needs beyond the common settings."""

    identity_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the event store; SQLite under var/ when unset"
    )
    identity_private_key: str = Field(
        description="Opens passwords the gateway sealed to us (base64)"
    )
    notifications_public_key: str = Field(
        description="Seals verification and reset tokens for notifications"
    )
    identity_jwt_private_key: str = Field(
        description="Signs access tokens (Ed25519 seed, base64 of 32 bytes)"
    )
    verification_ttl_hours: float = 48.0
    password_reset_ttl_minutes: float = 30.0
    # The revocation list forgets a session after REVOKED_SESSIONS_TTL_SECONDS, so no access
    # token may live longer than that (minus a margin for clock skew).
    access_token_lifetime_seconds: int = Field(
        default=15 * 60, ge=60, le=REVOKED_SESSIONS_TTL_SECONDS - 120
    )
    refresh_token_lifetime_hours: float = 14 * 24.0
    login_max_failures: int = Field(default=10, ge=1)
    login_failure_window_minutes: float = 15.0
    known_address_days: float = 30.0
    sign_up_notice_quiet_minutes: float = Field(
        default=10.0, description="At most one 'you already have an account' mail per this long"
    )
    password_reset_quiet_seconds: float = Field(
        default=60.0, description="At most one reset mail per user per this long"
    )
    # OWASP's minimum for argon2id is m=19 MiB, t=2, p=1; the defaults are RFC 9106's
    # low-memory profile. Only the benchmark lowers them, and it says so.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4

    @property
    def database_url(self) -> str:
        """The event store's URL."""
        return self.identity_database_url or self.sqlite_url("identity")

    @property
    def access_token_lifetime(self) -> timedelta:
        """How long an access token works."""
        return timedelta(seconds=self.access_token_lifetime_seconds)

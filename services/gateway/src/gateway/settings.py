"""Gateway settings (environment variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from servicekit.settings import CommonSettings


class GatewaySettings(CommonSettings):
    """What the HTTP gateway needs beyond the common settings."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    identity_public_key: str = Field(description="Seals passwords so only identity can read them")
    identity_jwt_public_key: str = Field(
        description="Checks access tokens identity signed (Ed25519, base64 of 32 bytes); "
        "several comma-separated while a key is being rotated"
    )
    gateway_trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For is "
        "believed; the client address throttles password guessing",
    )
    operator_token: SecretStr | None = Field(
        default=None,
        description="The bearer token of the platform's operators (/ops); at least 32 "
        "characters. Unset: operator routes answer 403 and say so",
    )
    partners_public_key: str | None = Field(
        default=None,
        description="Seals webhook secrets so only the partners service can read them; unset: "
        "the webhook routes answer 503",
    )
    web_secure_cookies: bool | None = Field(
        default=None,
        description="Whether the web pages' session cookies carry the Secure flag. Unset: "
        "when the page was asked for over https (behind a trusted proxy: X-Forwarded-Proto)",
    )
    service_contexts: tuple[str, ...] = (
        "identity",
        "organisation",
        "invoicing",
        "notifications",
        "partners",
    )

    @property
    def jwt_public_keys(self) -> list[str]:
        """Every key an access token may be signed with."""
        return [key.strip() for key in self.identity_jwt_public_key.split(",") if key.strip()]

    @property
    def trusted_proxies(self) -> frozenset[str]:
        """The proxies whose X-Forwarded-For counts."""
        return frozenset(p.strip() for p in self.gateway_trusted_proxies.split(",") if p.strip())

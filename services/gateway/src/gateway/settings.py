"""Gateway settings (environment variables)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import CommonSettings


class GatewaySettings(CommonSettings):
    """What the HTTP gateway needs beyond the common settings."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    identity_public_key: str = Field(description="Seals passwords so only identity can read them")
    service_contexts: tuple[str, ...] = ("identity", "organisation", "invoicing", "notifications")

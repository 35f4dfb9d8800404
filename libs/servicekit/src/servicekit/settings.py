"""Settings every service shares, read from environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """What every process needs: where NATS is, where local data lives, how to log."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    nats_url: str = Field(
        default="nats://127.0.0.1:4222", description="NATS server(s), comma-separated"
    )
    var_dir: Path = Field(default=Path("var"), description="Local data: SQLite files, mail, logs")
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="Replicas of the JetStream streams (3 on a cluster)"
    )
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    request_timeout_seconds: float = 5.0
    consumer_ack_wait_seconds: float = Field(
        default=30.0, description="How long a delivered event may stay unacknowledged"
    )
    otel_exporter_otlp_endpoint: str = Field(
        default="",
        description="OTLP/HTTP collector for traces (e.g. http://127.0.0.1:4318); empty: off",
    )
    replica_lease_seconds: float = Field(
        default=0.0,
        ge=0.0,
        description="With replicas: only the holder of a lease publishes a service's events, and "
        "only the holder of a consumer's lease fetches for it; a dead holder is replaced after "
        "this long (0: no leases, one process per service)",
    )
    read_model_rebuild_lease_seconds: float = Field(
        default=30.0,
        gt=0.0,
        description="A read model's rebuild is claimed for this long, renewed while it runs: "
        "a replica that dies mid-rebuild shows as failed, and can be replaced, after this long",
    )
    # Test-only crash points (see servicekit.faults); never set in production.
    fault_injection: str = ""

    def sqlite_url(self, name: str) -> str:
        """The embedded default database of one service: a SQLite file under var/."""
        path = (self.var_dir / f"{name}.db").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    @property
    def nats_servers(self) -> list[str]:
        """NATS_URL split into the list nats-py expects."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

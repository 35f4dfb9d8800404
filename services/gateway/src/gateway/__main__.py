"""`python -m gateway`: serve the HTTP API with uvicorn."""

import uvicorn
from servicekit.logs import configure_logging
from servicekit.tracing import configure_tracing, shutdown_tracing

from gateway.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    """Serve until SIGINT or SIGTERM."""
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_format, settings.log_level)
    configure_tracing("gateway", settings.otel_exporter_otlp_endpoint)
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
        # Forwarding headers count only from GATEWAY_TRUSTED_PROXIES (gateway.auth): uvicorn's
        # own handling would believe them from 127.0.0.1, whatever that setting says.
        proxy_headers=False,
    )
    shutdown_tracing()


if __name__ == "__main__":
    main()

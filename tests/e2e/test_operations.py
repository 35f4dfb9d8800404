"""Operators and API users find health, readiness, metrics, OpenAPI and AsyncAPI."""

from __future__ import annotations

import httpx
from devstack.stack import Stack

from tests.e2e.system import register, wait_for_mails


def test_health_and_readiness_report_every_service(stack: Stack) -> None:
    assert httpx.get(f"{stack.gateway_url}/health").status_code == 200
    ready = httpx.get(f"{stack.gateway_url}/ready")
    assert ready.status_code == 200
    services = ready.json()["services"]
    assert set(services) == {"identity", "organisation", "invoicing", "notifications", "partners"}
    assert all(s["ready"] for s in services.values())


def test_metrics_show_requests_and_the_event_pipeline(stack: Stack) -> None:
    register(stack, "metrics@example.nl")
    wait_for_mails(stack, "metrics@example.nl")
    text = httpx.get(f"{stack.gateway_url}/metrics").text
    for family in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "events_appended_total",
        "events_published_total",
        "events_consumed_total",
        "relay_lag_events",
    ):
        assert family in text, family
    assert 'service="identity"' in text and 'service="notifications"' in text


def test_every_route_in_the_openapi_document_has_an_operation_id(stack: Stack) -> None:
    schema = httpx.get(f"{stack.gateway_url}/schema/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations and all(op.get("operationId") for op in operations)
    assert "/api/v1/registrations" in schema["paths"]


def test_the_asyncapi_document_describes_the_published_events(stack: Stack) -> None:
    document = httpx.get(f"{stack.gateway_url}/asyncapi.json").json()
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel.get("address") for channel in document["channels"].values()}
    assert "events.identity.UserRegistered" in addresses

"""One trace follows a request from the gateway through the services, the bus and the mailer;
/metrics has the figures operators watch."""

from __future__ import annotations

import secrets

import httpx
from devstack.stack import Stack

from tests.e2e.ops.conftest import TraceCollector
from tests.e2e.ops.helpers import get, wait_until
from tests.e2e.system import wait_for_mails


def test_one_trace_spans_the_gateway_the_service_the_consumer_and_the_smtp_send(
    system: Stack, collector: TraceCollector
) -> None:
    trace_id = secrets.token_hex(16)
    answer = httpx.post(
        f"{system.gateway_url}/api/v1/registrations",
        json={
            "email": "traced@example.nl",
            "password": "correct horse battery staple",
            "full_name": "Traced Person",
        },
        headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        timeout=10,
    )
    assert answer.status_code == 202
    wait_for_mails(system, "traced@example.nl")

    def whole_chain() -> list[dict[str, str]] | None:
        spans = collector.in_trace(trace_id)
        names = {(s["service"], s["name"].split(" ")[0]) for s in spans}
        wanted = {
            ("gateway", "HTTP"),
            ("identity", "cmd.identity.register"),
            ("identity", "publish"),
            ("notifications", "consume"),
            ("notifications", "smtp"),
        }
        return spans if wanted <= names else None

    spans = wait_until(whole_chain, timeout=20, what=f"the whole trace {trace_id}")
    by_id = {s["span_id"]: s for s in spans}

    def ancestors(span: dict[str, str]) -> list[str]:
        chain = []
        while span["parent_id"] in by_id:
            span = by_id[span["parent_id"]]
            chain.append(f"{span['service']}:{span['name']}")
        return chain

    smtp = next(s for s in spans if s["name"] == "smtp send")
    lineage = ancestors(smtp)
    # smtp send <- consume <- publish <- the identity command <- (the client call) <- HTTP
    assert lineage[0].startswith("notifications:consume"), lineage
    assert any(a.startswith("identity:publish events.identity.") for a in lineage), lineage
    assert any(a.startswith("identity:cmd.identity.register") for a in lineage), lineage
    assert lineage[-1].startswith("gateway:HTTP POST /api/v1/registrations"), lineage


def test_metrics_have_the_operations_figures(system: Stack) -> None:
    httpx.post(
        f"{system.gateway_url}/api/v1/registrations",
        json={
            "email": "counted@example.nl",
            "password": "correct horse battery staple",
            "full_name": "Counted",
        },
        timeout=10,
    )
    wait_for_mails(system, "counted@example.nl")

    def figures() -> str | None:
        text = get(system, "/metrics").text
        return text if 'mails_total{outcome="sent",service="notifications"}' in text else None

    text = wait_until(figures, what="mails_total in /metrics")
    for sample in (
        'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/v1/registrations"',
        'events_published_total{event_type="UserRegistered",service="identity"}',
        "relay_lag_events{service=",
        'consumer_lag_events{consumer="invoicing-organisations",service="invoicing",stream="EVENTS"}',
        'consumer_lag_events{consumer="notifications",service="gateway",stream="EVENTS"}',
        'stream_messages{service="gateway",stream="EVENTS"}',
    ):
        assert sample in text, sample
    # Declared for every service, counted once something happens (partners count webhooks).
    for family in ("invoices", "webhook_deliveries", "dead_letter_depth"):
        assert f"# HELP {family} " in text, family

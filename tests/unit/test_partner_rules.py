"""The partners service's pure rules: signatures, the retry schedule, destination checks and
who may read which part of the feed."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from contracts.asyncapi import build_asyncapi
from hypothesis import given
from hypothesis import strategies as st
from partners.destinations import UnsafeDestination, check_destination
from partners.domain.retries import RetrySchedule
from partners.domain.signing import new_secret, signature, signature_header, verify
from partners.feed.access import FeedAccess, consumer_name

ORG = "0b5c1d7e-3a44-5f61-8e2b-9c7d1a3f5e60"


def test_the_signature_is_the_hmac_of_timestamp_dot_body_and_nothing_else_verifies() -> None:
    # Known answer: HMAC-SHA256("key", "1700000000.{}") computed independently with openssl.
    assert signature("key", "1700000000", b"{}") == (
        "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
    )
    secret, body = new_secret(), b'{"id":"1"}'
    header = signature_header([secret], "1700000000", body)
    assert verify(secret, "1700000000", body, header)
    assert not verify(secret, "1700000001", body, header), "the timestamp is signed"
    assert not verify(secret, "1700000000", body + b" ", header), "the body is signed"
    assert not verify(new_secret(), "1700000000", body, header), "only with the secret"


def test_while_rotating_both_secrets_sign_the_new_one_first() -> None:
    old, new = new_secret(), new_secret()
    header = signature_header([new, old], "1", b"x")
    assert header.split(",")[0] == signature(new, "1", b"x")
    assert verify(old, "1", b"x", header) and verify(new, "1", b"x", header)


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_each_retry_waits_between_half_and_all_of_its_capped_exponential_delay(
    failures: int, seed: int
) -> None:
    schedule = RetrySchedule(base_seconds=5, max_delay_seconds=3600, period_seconds=86400)
    ceiling = min(5 * 2 ** min(failures - 1, 40), 3600)
    assert ceiling / 2 <= schedule.delay(failures, random.Random(seed)) <= ceiling


def test_no_retry_after_the_retry_period() -> None:
    schedule = RetrySchedule(5, 3600, 86400)
    queued = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule.next_attempt(queued, queued + timedelta(hours=23), 10) is not None
    assert schedule.next_attempt(queued, queued + timedelta(hours=24), 11) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "ftp://example.com/hook",
        "https://user:pass@example.com/hook",
        "https:///nohost",
    ],
)
def test_private_loopback_and_link_local_destinations_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        asyncio.run(check_destination(url, allow_private=False))


def test_dev_and_tests_may_allow_private_destinations_but_never_other_schemes() -> None:
    asyncio.run(check_destination("http://127.0.0.1:9/hook", allow_private=True))
    with pytest.raises(UnsafeDestination):
        asyncio.run(check_destination("file:///etc/passwd", allow_private=True))


def test_a_public_address_is_allowed() -> None:
    asyncio.run(check_destination("https://93.184.215.14/hook", allow_private=False))


def test_a_partner_may_only_touch_its_own_consumers_and_subjects() -> None:
    access = FeedAccess(platform_password="x")
    assert access.grant("acme", [ORG])
    config = access.server_config()
    consumer = consumer_name("acme", ORG)
    assert f"$JS.API.CONSUMER.CREATE.PARTNER.{consumer}.partner.{ORG}.>" in config
    assert f"$JS.API.CONSUMER.MSG.NEXT.PARTNER.{consumer}" in config
    assert "DIRECT.GET" not in config and "MSG.GET" not in config and "STREAM.INFO" not in config
    assert 'no_auth_user: "platform"' in config
    for bad in ("platform", "Acme", "a.b", "a*", ""):
        with pytest.raises(ValueError):
            access.grant(bad, [ORG])
    with pytest.raises(ValueError):
        access.grant("acme", ["not-an-id"])
    nobody = FeedAccess(platform_password="x")
    nobody.grant("idle", [ORG])
    nobody.revoke("idle", [ORG])
    assert '"publish": {"deny": [">"]}' in nobody.server_config()


def test_the_asyncapi_document_describes_webhook_deliveries_as_they_are_sent() -> None:
    document = build_asyncapi()
    headers = document["components"]["schemas"]["WebhookDeliveryHeaders"]
    pattern = re.compile(headers["properties"]["X-Signature"]["pattern"])
    body = b'{"id": "x"}'
    assert pattern.match(signature_header(["new"], "1764680000", body))
    assert pattern.match(signature_header(["new", "old"], "1764680000", body))
    assert set(headers["required"]) >= {"X-Event-Id", "X-Delivery-Id", "X-Signature"}
    channel = document["channels"]["webhook-delivery"]
    assert channel["messages"]
    for reference in channel["messages"].values():
        message = document["components"]["messages"][reference["$ref"].rsplit("/", 1)[1]]
        assert message["contentType"] == "application/cloudevents+json"
        assert message["headers"] == {"$ref": "#/components/schemas/WebhookDeliveryHeaders"}
    operation = document["operations"]["send-webhook-delivery"]
    assert operation["bindings"]["http"]["method"] == "POST"

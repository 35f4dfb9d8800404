"""An organisation admin registers a webhook over HTTP; what happens to the organisation reaches
the partner's endpoint signed with the secret from the answer, and shows in the delivery log."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from devstack.stack import Stack
from devstack.webhook_sink import WebhookSink
from partners.domain.signing import verify

from tests.e2e.identity.tenants import Person
from tests.e2e.organisation.world import a_kvk_number, admin, api, eventually
from tests.e2e.system import new_stack, published_events

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = new_stack(
        tmp_path_factory.mktemp("partners-var"),
        {"WEBHOOK_ALLOW_PRIVATE_DESTINATIONS": "true", "WEBHOOK_RETRY_BASE_SECONDS": "0.2"},
    )
    stack.start()
    try:
        stack.wait_ready(timeout=90)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def sink() -> Iterator[WebhookSink]:
    """The partner's endpoint, on its own event loop in a thread."""
    endpoint = WebhookSink()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(endpoint.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(5)
    yield endpoint
    asyncio.run_coroutine_threadsafe(endpoint.stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)


def an_active_organisation(system: Stack, person: Person) -> str:
    added = api(
        system, person, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()}
    )
    assert added.status_code == 201, added.text
    organisation = str(added.json()["id"])
    activated = api(system, person, "POST", f"/api/v1/organisations/{organisation}/activation")
    assert activated.json()["status"] == "active", activated.text
    return organisation


def webhooks(organisation: str) -> str:
    return f"/api/v1/organisations/{organisation}/webhooks"


def test_a_webhook_receives_the_organisations_events_signed_and_logged(
    system: Stack, sink: WebhookSink
) -> None:
    anna = admin(system, "anna")
    organisation = an_active_organisation(system, anna)
    # The gateway asks identity, which learns of the organisation from its events.
    assert eventually(
        lambda: api(system, anna, "GET", webhooks(organisation)).status_code == 200, timeout=20
    )
    registered = api(
        system,
        anna,
        "POST",
        webhooks(organisation),
        json={"url": sink.url("/anna"), "events": ["ReceivingEnabled", "ReceivingDisabled"]},
    )
    assert registered.status_code == 201, registered.text
    webhook: dict[str, Any] = registered.json()
    assert webhook["secret"].startswith("whsec_") and webhook["events"] == [
        "ReceivingEnabled",
        "ReceivingDisabled",
    ]
    listed = api(system, anna, "GET", webhooks(organisation)).json()["webhooks"]
    assert [w["id"] for w in listed] == [webhook["id"]] and "secret" not in listed[0]

    for enabled in (True, False, True):
        switched = api(
            system,
            anna,
            "PUT",
            f"/api/v1/organisations/{organisation}/receiving",
            json={"enabled": enabled},
        )
        assert switched.status_code == 200, switched.text
    assert eventually(lambda: len(sink.on("/anna")) == 3, timeout=20), system.log_tails()
    got = sink.on("/anna")
    assert [r.body.count(b'"type":"ReceivingEnabled"') for r in got] == [1, 0, 1]
    assert all(
        verify(webhook["secret"], r.headers["x-timestamp"], r.body, r.headers["x-signature"])
        for r in got
    )

    log_path = f"{webhooks(organisation)}/{webhook['id']}/deliveries"
    assert eventually(
        lambda: (
            api(system, anna, "GET", log_path, params={"status": "succeeded"}).json()["total"] == 3
        )
    )
    first = api(system, anna, "GET", log_path).json()["deliveries"][-1]
    assert first["attempts"][0]["status_code"] == 200
    assert first["event_id"] == got[0].headers["x-event-id"]

    replayed = api(system, anna, "POST", f"{log_path}/{first['id']}/replay")
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replay_of"] == first["id"]
    assert eventually(lambda: len(sink.on("/anna")) == 4, timeout=20)
    assert sink.on("/anna")[-1].headers["x-event-id"] == first["event_id"]

    rotated = api(system, anna, "POST", f"{webhooks(organisation)}/{webhook['id']}/secret-rotation")
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != webhook["secret"]
    assert rotated.json()["previous_secret_valid_until"] is not None


def test_webhooks_belong_to_the_organisations_admins_and_bad_input_is_a_problem(
    system: Stack, sink: WebhookSink
) -> None:
    owner, stranger = admin(system, "owner"), admin(system, "stranger")
    organisation = an_active_organisation(system, owner)
    assert eventually(
        lambda: api(system, owner, "GET", webhooks(organisation)).status_code == 200, timeout=20
    )
    body = {"url": sink.url("/x"), "events": ["InvoiceReceived"]}
    foreign = api(system, stranger, "POST", webhooks(organisation), json=body)
    assert foreign.status_code == 404, foreign.text
    assert foreign.headers["content-type"].startswith("application/problem+json")
    assert api(system, stranger, "GET", webhooks(organisation)).status_code == 404
    assert api(system, None, "GET", webhooks(organisation)).status_code == 401

    for bad in (
        {"url": "not a url", "events": ["InvoiceReceived"]},
        {"url": "ftp://example.com/x", "events": ["InvoiceReceived"]},
        {"url": sink.url("/x"), "events": []},
        {"url": sink.url("/x"), "events": ["UserRegistered"]},
        {"url": sink.url("/x")},
        {"url": sink.url("/" + "x" * 2000), "events": ["InvoiceReceived"]},
        {"url": sink.url("/x"), "events": ["InvoiceReceived", "InvoiceReceived"]},
    ):
        answer = api(system, owner, "POST", webhooks(organisation), json=bad)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    missing = api(
        system,
        owner,
        "GET",
        f"{webhooks(organisation)}/00000000-0000-4000-8000-000000000000/deliveries",
    )
    assert missing.status_code == 404, missing.text


def test_a_removed_webhook_gets_nothing_more_and_its_queue_is_not_sent(
    system: Stack, sink: WebhookSink
) -> None:
    owner, stranger = admin(system, "remover"), admin(system, "bystander")
    organisation = an_active_organisation(system, owner)
    assert eventually(
        lambda: api(system, owner, "GET", webhooks(organisation)).status_code == 200, timeout=20
    )
    sink.answers["/gone"] = [503] * 1000  # the partner is down: everything stays queued
    registered = api(
        system,
        owner,
        "POST",
        webhooks(organisation),
        json={"url": sink.url("/gone"), "events": ["ReceivingEnabled", "ReceivingDisabled"]},
    ).json()
    path = f"{webhooks(organisation)}/{registered['id']}"
    for enabled in (True, False):
        api(
            system,
            owner,
            "PUT",
            f"/api/v1/organisations/{organisation}/receiving",
            json={"enabled": enabled},
        )
    assert eventually(lambda: len(sink.on("/gone")) >= 2, timeout=20), system.log_tails()
    pending = api(system, owner, "GET", f"{path}/deliveries", params={"status": "pending"})
    assert pending.json()["total"] == 2, pending.text

    assert api(system, stranger, "DELETE", path).status_code == 404
    removed = api(system, owner, "DELETE", path)
    assert removed.status_code == 204, removed.text
    assert api(system, owner, "GET", webhooks(organisation)).json()["webhooks"] == []
    assert api(system, owner, "GET", f"{path}/deliveries").status_code == 404
    again = api(system, owner, "DELETE", path)
    assert again.status_code == 404
    assert again.headers["content-type"].startswith("application/problem+json")

    events = [
        e
        for e in published_events(system, "events.partners.WebhookRemoved")
        if e["data"]["webhook_id"] == registered["id"]
    ]
    assert [e["data"]["unsent"] for e in events] == [2]
    assert events[0]["data"]["url"] == sink.url("/gone")

    # An attempt already on its way may still arrive; after that, nothing.
    time.sleep(1.5)
    tried = len(sink.on("/gone"))
    api(
        system,
        owner,
        "PUT",
        f"/api/v1/organisations/{organisation}/receiving",
        json={"enabled": True},
    )
    time.sleep(3)
    assert len(sink.on("/gone")) == tried

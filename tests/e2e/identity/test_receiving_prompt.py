"""The question at every login: receive e-invoices too? Identity learns the user's organisations
from the organisation context's events, published here exactly as that service publishes them."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import nats
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.events.organisation import OrganisationAdded, ReceivingEnabled
from devstack.stack import Stack

from tests.e2e.identity.account import call, signed_in, wait_for_event
from tests.e2e.identity.people import a_client
from tests.e2e.system import login


def publish(system: Stack, *events: IntegrationEvent) -> None:
    """Publish organisation events to EVENTS, enveloped and deduplicated like the relay does."""

    async def send() -> None:
        nc = await nats.connect(system.nats_url)
        try:
            js = nc.jetstream()
            for sequence, event in enumerate(events, start=1):
                envelope = Envelope.wrap(
                    event,
                    id=uuid.uuid4(),
                    source="/services/organisation",
                    time=datetime.now(UTC),
                    subject=getattr(event, "organisation_id", None),
                    sequence=sequence,
                    correlation_id=None,
                    environment_id=getattr(event, "environment_id", None),
                    organisation_id=getattr(event, "organisation_id", None),
                )
                await js.publish(
                    event.nats_subject(),
                    envelope.to_json(),
                    stream="EVENTS",
                    headers={"Nats-Msg-Id": str(envelope.id)},
                )
        finally:
            await nc.close()

    asyncio.run(send())


def added(environment_id: str, name: str) -> OrganisationAdded:
    return OrganisationAdded(
        organisation_id=uuid.uuid4(),
        environment_id=uuid.UUID(environment_id),
        name=name,
        source="manual",
        added_at=datetime.now(UTC),
    )


def receiving(organisation: OrganisationAdded) -> ReceivingEnabled:
    return ReceivingEnabled(
        organisation_id=organisation.organisation_id,
        environment_id=organisation.environment_id,
        changed_at=datetime.now(UTC),
    )


def prompt_at_login(system: Stack, email: str) -> dict[str, Any]:
    answer = login(system, email, address=a_client())
    assert answer.status_code == 201, answer.text
    prompt: dict[str, Any] = answer.json()["receiving_prompt"]
    return prompt


def prompt_once(
    system: Stack, email: str, expected: dict[str, Any], timeout: float = 10.0
) -> dict[str, Any]:
    """Log in until the prompt is as expected (the read model follows the events shortly)."""
    deadline = time.monotonic() + timeout
    while True:
        prompt = prompt_at_login(system, email)
        if prompt == expected or time.monotonic() > deadline:
            return prompt
        time.sleep(0.2)


def listed(*organisations: tuple[OrganisationAdded, bool]) -> list[dict[str, Any]]:
    rows = [
        {"id": str(o.organisation_id), "name": o.name, "receiving_enabled": enabled}
        for o, enabled in organisations
    ]
    return sorted(rows, key=lambda row: row["name"])


def test_the_prompt_shows_at_every_login_until_every_organisation_receives(
    system: Stack,
) -> None:
    email, session = signed_in(system, "prompted")
    environment = session["user"]["environment_id"]
    assert session["receiving_prompt"] == {"show": False, "organisations": []}

    bakery, garage = added(environment, "Bakkerij Jansen"), added(environment, "Garage Visser")
    elsewhere = added(str(uuid.uuid4()), "Another tenant's firm")
    publish(system, bakery, garage, elsewhere)

    expected = {"show": True, "organisations": listed((bakery, False), (garage, False))}
    assert prompt_once(system, email, expected) == expected
    assert prompt_at_login(system, email) == expected, "asked again at the next login"

    publish(system, receiving(bakery))
    one_left = {"show": True, "organisations": listed((bakery, True), (garage, False))}
    assert prompt_once(system, email, one_left) == one_left

    publish(system, receiving(garage))
    all_receive = {"show": False, "organisations": listed((bakery, True), (garage, True))}
    assert prompt_once(system, email, all_receive) == all_receive


def test_dont_ask_again_switches_the_prompt_off_and_it_can_be_switched_back_on(
    system: Stack,
) -> None:
    email, session = signed_in(system, "dismisser")
    token, user_id = session["access_token"], session["user"]["id"]
    shop = added(session["user"]["environment_id"], "Winkel De Hoek")
    publish(system, shop)
    asking = {"show": True, "organisations": listed((shop, False))}
    assert prompt_once(system, email, asking) == asking

    off = call(system, "PUT", "/api/v1/me/receiving-prompt", token, json={"enabled": False})

    assert off.status_code == 200, off.text
    assert off.json()["receiving_prompt_enabled"] is False
    silent = {"show": False, "organisations": listed((shop, False))}
    assert prompt_at_login(system, email) == silent
    assert prompt_at_login(system, email) == silent, "for good, not just once"
    dismissed = wait_for_event(system, "ReceivingPromptDismissed", user_id)
    assert len(dismissed) == 1

    on = call(system, "PUT", "/api/v1/me/receiving-prompt", token, json={"enabled": True})
    assert on.status_code == 200 and on.json()["receiving_prompt_enabled"] is True
    assert prompt_at_login(system, email) == asking


def test_the_prompt_switch_takes_a_boolean_only(system: Stack) -> None:
    _, session = signed_in(system, "promptbad")
    token = session["access_token"]
    for body in ({}, {"enabled": "no"}, {"enabled": False, "extra": 1}):
        answer = call(system, "PUT", "/api/v1/me/receiving-prompt", token, json=body)
        assert answer.status_code == 422, body
    assert call(system, "GET", "/api/v1/me", token).json()["receiving_prompt_enabled"] is True

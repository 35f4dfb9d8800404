"""An organisation's admins hear that it was activated and that receiving was switched on or
off, each in their own language, unless they switched those mails off."""

from __future__ import annotations

from typing import Any

import httpx
from devstack.stack import Stack

from tests.e2e.identity.account import wait_for_event
from tests.e2e.identity.tenants import Person
from tests.e2e.notifications.mailbox import (
    choose,
    html_of,
    mails_of,
    text_of,
    wait_for_decision,
    wait_for_kind,
)
from tests.e2e.organisation.world import a_kvk_number, admin, api


def an_organisation_activated_receiving_and_back(system: Stack, person: Person) -> dict[str, Any]:
    added = api(
        system, person, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()}
    )
    assert added.status_code == 201, added.text
    organisation: dict[str, Any] = added.json()
    path = f"/api/v1/organisations/{organisation['id']}"
    activated = api(system, person, "POST", f"{path}/activation")
    assert activated.json()["status"] == "active", activated.text
    for enabled in (True, False):
        answer = api(system, person, "PUT", f"{path}/receiving", json={"enabled": enabled})
        assert answer.status_code == 200, answer.text
    return organisation


def test_the_admin_hears_of_activation_and_of_receiving_switched_on_and_off(system: Stack) -> None:
    person = admin(system, "org-mails")
    organisation = an_organisation_activated_receiving_and_back(system, person)
    name = organisation["name"]

    [activated] = wait_for_kind(system, person.email, "organisation_activated")
    [enabled] = wait_for_kind(system, person.email, "receiving_enabled")
    [disabled] = wait_for_kind(system, person.email, "receiving_disabled")
    assert activated["Subject"] == f"{name} is activated: you can now send e-invoices"
    assert enabled["Subject"] == f"{name} now receives e-invoices"
    assert disabled["Subject"] == f"{name} no longer receives e-invoices"
    page = f"{system.gateway_url}/organisations/{organisation['id']}"
    for mail in (activated, enabled, disabled):
        assert page in text_of(mail) and f'href="{page}"' in html_of(mail)
        assert mail["List-Unsubscribe"] == f"<{system.gateway_url}/account/email>"
        assert f'href="{system.gateway_url}/account/email"' in html_of(mail)
    # The pages the mails link to exist (a visitor not logged in is asked to log in first).
    for link in (page, f"{system.gateway_url}/account/email"):
        assert httpx.get(link, follow_redirects=False).status_code in (200, 303), link
    assert "0106:" in text_of(enabled), "where senders find it"


def test_an_admin_who_switched_them_off_gets_none_and_can_see_why(system: Stack) -> None:
    person = admin(system, "org-quiet")
    choose(system, person, organisation_activated=False, receiving_changed=False)
    wait_for_event(system, "EmailPreferencesChanged", person.user_id)
    an_organisation_activated_receiving_and_back(system, person)

    for kind in ("organisation_activated", "receiving_enabled", "receiving_disabled"):
        [decision] = wait_for_decision(system, person, kind, "suppressed")
        assert decision["reason"] in (
            "preference-off: organisation_activated",
            "preference-off: receiving_changed",
        )
        assert mails_of(system, person.email, kind) == []

"""What the notification scenarios share: reading the sink by kind, the audit, preferences."""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from devstack.stack import Stack

from tests.e2e.identity.tenants import Person
from tests.e2e.invoicing.documents import rules_dir
from tests.e2e.organisation.world import OPERATOR, a_kvk_number, api, eventually, operator
from tests.e2e.system import mails_to

PREFERENCES = {
    "invoice_received": True,
    "invoice_sent": True,
    "invoice_delivery_failed": True,
    "organisation_activated": True,
    "receiving_changed": True,
    "product_news": False,
}


def stack_settings(**extra: str) -> dict[str, str]:
    """The environment of a notifications scenario stack."""
    settings = {
        "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
        "OPERATOR_TOKEN": OPERATOR,
        "MAIL_RETRY_DELAYS": "0.3,0.6,1",
        "MAIL_HELD_RETRY_SECONDS": "30",
        "MAIL_PROBE_SECONDS": "0.5",
        "SMTP_TIMEOUT_SECONDS": "2",
    }
    found = rules_dir()
    if found is not None:
        settings["EINVOICE_RULES_DIR"] = str(found)
    return {**settings, **extra}


def kind_of(mail: EmailMessage) -> str:
    """What a mail is about (its X-Notification-Kind header)."""
    return str(mail["X-Notification-Kind"] or "")


def mails_of(stack: Stack, address: str, kind: str) -> list[EmailMessage]:
    """Every mail of one kind the sink received for one address."""
    return [m for m in mails_to(stack, address) if kind_of(m) == kind]


def wait_for_kind(
    stack: Stack, address: str, kind: str, count: int = 1, timeout: float = 20.0
) -> list[EmailMessage]:
    """Wait until `count` mails of `kind` reached `address`; fail with the logs otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_of(stack, address, kind)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {kind} mail for {address} after {timeout}s\n{stack.log_tails()}")


def text_of(mail: EmailMessage) -> str:
    """The plain-text part."""
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(mail: EmailMessage) -> str:
    """The HTML part."""
    body = mail.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def my_notifications(stack: Stack, person: Person, **params: Any) -> dict[str, Any]:
    """GET /api/v1/me/notifications."""
    answer = api(stack, person, "GET", "/api/v1/me/notifications", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def wait_for_decision(
    stack: Stack, person: Person, kind: str, outcome: str, count: int = 1, timeout: float = 20.0
) -> list[dict[str, Any]]:
    """Wait until the person's audit holds `count` decisions of this kind and outcome."""
    deadline = time.monotonic() + timeout
    while True:
        found = my_notifications(stack, person, kind=kind, outcome=outcome, per_page=200)
        if len(found["notifications"]) >= count or time.monotonic() > deadline:
            assert len(found["notifications"]) >= count, (
                f"no {outcome} {kind} decision for {person.email}\n{stack.log_tails()}"
            )
            return list(found["notifications"])
        time.sleep(0.1)


def choose(stack: Stack, person: Person, **choices: bool) -> None:
    """PUT /api/v1/me/email-preferences with the defaults changed as given."""
    answer = api(
        stack,
        person,
        "PUT",
        "/api/v1/me/email-preferences",
        json={**PREFERENCES, **choices},
    )
    assert answer.status_code == 200, answer.text


def search(stack: Stack, **params: Any) -> dict[str, Any]:
    """GET /ops/api/notifications as an operator."""
    answer = operator(stack, "GET", "/ops/api/notifications", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@dataclass(frozen=True)
class Party:
    """A signed-in admin and their active organisation."""

    person: Person
    organisation: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.organisation["id"])

    @property
    def participant(self) -> str:
        return f"0106:{self.organisation['kvk_number']}"


def an_active_organisation(stack: Stack, person: Person, receiving: bool = False) -> Party:
    """Added from the register (activated automatically), receiving when asked."""
    added = api(stack, person, "POST", "/api/v1/organisations", json={"kvk_number": a_kvk_number()})
    assert added.status_code == 201, added.text
    path = f"/api/v1/organisations/{added.json()['id']}"
    activated = api(stack, person, "POST", f"{path}/activation")
    assert activated.json()["status"] == "active", activated.text
    if receiving:
        on = api(stack, person, "PUT", f"{path}/receiving", json={"enabled": True})
        assert on.status_code == 200, on.text
        participant = f"0106:{added.json()['kvk_number']}"
        assert eventually(
            lambda: api(stack, None, "GET", f"/api/v1/directory/{participant}").status_code == 200
        )
    return Party(person, api(stack, person, "GET", path).json())

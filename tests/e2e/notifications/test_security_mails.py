"""Security mails (verification, password reset, "you already have an account", invitation)
go out whatever the recipient chose, carry the request's correlation id, and are audited."""

from __future__ import annotations

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import an_address
from tests.e2e.identity.tenants import accept, add_organisations, an_environment_admin, invite
from tests.e2e.notifications.mailbox import (
    PREFERENCES,
    choose,
    html_of,
    my_notifications,
    text_of,
    wait_for_kind,
)
from tests.e2e.system import register, token_in


def test_security_mails_go_out_with_every_preference_switched_off(system: Stack) -> None:
    person = an_environment_admin(system, "security")
    choose(system, person, **dict.fromkeys(PREFERENCES, False))

    reset = httpx.post(
        f"{system.gateway_url}/api/v1/password-resets", json={"email": person.email}, timeout=10
    )
    assert reset.status_code == 202
    [mail] = wait_for_kind(system, person.email, "password_reset")
    assert mail["X-Correlation-Id"] == reset.headers["X-Correlation-Id"]
    assert "token=" in text_of(mail) and "token=" in html_of(mail)
    assert mail["Subject"] == "Set a new password for E-invoicing"

    assert register(system, person.email).status_code == 202
    wait_for_kind(system, person.email, "account_exists")

    kinds = [n["kind"] for n in my_notifications(system, person)["notifications"]]
    assert kinds[:3] == ["account_exists", "password_reset", "email_verification"]
    assert all(n["outcome"] == "sent" for n in my_notifications(system, person)["notifications"])


def test_an_invitation_reaches_someone_who_is_no_user_yet(system: Stack) -> None:
    inviter = an_environment_admin(system, "inviter")
    [organisation] = add_organisations(system, inviter, "Invited BV")
    invitee = an_address("invitee")
    assert invite(system, inviter, invitee, [organisation], language="nl").status_code == 201
    [mail] = wait_for_kind(system, invitee, "invitation")
    assert mail["Content-Language"] == "nl"
    assert accept(system, token_in(mail)).status_code == 201

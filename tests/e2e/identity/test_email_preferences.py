"""A user chooses which optional e-mails they get (PUT /api/v1/me/email-preferences)."""

from __future__ import annotations

from devstack.stack import Stack

from tests.e2e.identity.account import call, signed_in, wait_for_event
from tests.e2e.system import me

DEFAULTS = {
    "invoice_received": True,
    "invoice_sent": True,
    "invoice_delivery_failed": True,
    "organisation_activated": True,
    "receiving_changed": True,
    "product_news": False,
}


def test_a_new_user_gets_every_mail_but_news_and_can_choose_otherwise(system: Stack) -> None:
    _, session = signed_in(system, "prefs")
    token, user_id = session["access_token"], session["user"]["id"]
    assert session["user"]["email_preferences"] == DEFAULTS

    chosen = {**DEFAULTS, "invoice_sent": False, "product_news": True}
    answer = call(system, "PUT", "/api/v1/me/email-preferences", token, json=chosen)

    assert answer.status_code == 200, answer.text
    assert answer.json()["email_preferences"] == chosen
    assert me(system, token).json()["email_preferences"] == chosen

    # Notifications keeps a read model: the event carries the whole set after the change.
    events = wait_for_event(system, "EmailPreferencesChanged", user_id)
    assert len(events) == 1
    data = events[0]["data"]
    assert {key: data[key] for key in chosen} == chosen

    # The same choice again changes nothing and publishes nothing new.
    again = call(system, "PUT", "/api/v1/me/email-preferences", token, json=chosen)
    assert again.status_code == 200
    assert len(wait_for_event(system, "EmailPreferencesChanged", user_id)) == 1


def test_the_whole_set_is_required_and_only_booleans(system: Stack) -> None:
    _, session = signed_in(system, "prefs-bad")
    token = session["access_token"]
    partial = call(
        system, "PUT", "/api/v1/me/email-preferences", token, json={"product_news": True}
    )
    assert partial.status_code == 422
    assert {e["field"] for e in partial.json()["errors"]} >= {"invoice_received", "invoice_sent"}
    not_bool = call(
        system,
        "PUT",
        "/api/v1/me/email-preferences",
        token,
        json={**DEFAULTS, "invoice_sent": "no"},
    )
    assert not_bool.status_code == 422
    unknown = call(
        system, "PUT", "/api/v1/me/email-preferences", token, json={**DEFAULTS, "security": False}
    )
    assert unknown.status_code == 422
    assert me(system, token).json()["email_preferences"] == DEFAULTS

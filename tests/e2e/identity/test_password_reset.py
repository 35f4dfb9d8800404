"""A forgotten password: a link by mail, a new password, and every old session ended."""

from __future__ import annotations

import time

import httpx
from devstack.stack import Stack

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import (
    PASSWORD,
    events_about,
    login,
    mails_to,
    me,
    published_events,
    refresh,
    token_in,
    verified_user,
    wait_for_mails,
)

NEW_PASSWORD = "a brand new and rather long passphrase"


def request_reset(stack: Stack, email: str) -> httpx.Response:
    return httpx.post(
        f"{stack.gateway_url}/api/v1/password-resets", json={"email": email}, timeout=10
    )


def confirm_reset(stack: Stack, token: str, new_password: str = NEW_PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{stack.gateway_url}/api/v1/password-resets/confirm",
        json={"token": token, "new_password": new_password},
        timeout=10,
    )


def test_a_reset_by_mail_ends_every_session_and_the_new_password_works(system: Stack) -> None:
    email = verified_user(system, an_address("forgetful"), language="en")
    laptop = login(system, email, address=a_client()).json()
    phone = login(system, email, address=a_client()).json()

    asked = request_reset(system, email)
    assert asked.status_code == 202
    mail = wait_for_mails(system, email, count=2)[1]
    assert mail["Subject"] == "Set a new password for E-invoicing"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{system.gateway_url}/reset-password?token=" in text
    token = token_in(mail)
    assert len(token) >= 22, "at least 128 random bits"

    assert confirm_reset(system, token).status_code == 204
    for session in (laptop, phone):
        assert me(system, session["access_token"]).status_code == 401
        assert refresh(system, session["refresh_token"]).status_code == 401
    assert login(system, email, PASSWORD, address=a_client()).status_code == 401
    assert login(system, email, NEW_PASSWORD, address=a_client()).status_code == 201

    again = confirm_reset(system, token, "yet another long passphrase")
    assert again.status_code == 400
    assert again.json()["type"] == "urn:problem:identity:invalid-reset-token"
    published = events_about(system, email)
    assert [e["type"] for e in published][-1] == "PasswordResetRequested"
    assert token not in str(published) and NEW_PASSWORD not in str(published)


def test_the_change_is_published_without_any_secret(system: Stack) -> None:
    email = verified_user(system, an_address("published"))
    request_reset(system, email)
    confirm_reset(system, token_in(wait_for_mails(system, email, count=2)[1]))
    user_id = login(system, email, NEW_PASSWORD, address=a_client()).json()["user"]["id"]
    deadline = time.monotonic() + 5
    changed: list[dict[str, object]] = []
    while not changed and time.monotonic() < deadline:
        changed = [
            e
            for e in published_events(system, "events.identity.PasswordChanged")
            if e["data"]["user_id"] == user_id
        ]
    assert [e["data"]["reason"] for e in changed] == ["reset"]
    assert set(changed[0]["data"]) == {"user_id", "environment_id", "reason", "changed_at"}


def test_an_unknown_address_gets_the_same_answer_and_nobody_gets_a_mail(system: Stack) -> None:
    known = verified_user(system, an_address("known"))
    unknown = an_address("unknown")
    for_known, for_unknown = request_reset(system, known), request_reset(system, unknown)
    assert (for_known.status_code, for_known.json()) == (
        for_unknown.status_code,
        for_unknown.json(),
    )
    wait_for_mails(system, known, count=2)
    time.sleep(1.0)
    assert mails_to(system, unknown) == []


def test_text_that_is_no_address_gets_the_same_202_as_an_address(system: Stack) -> None:
    known = request_reset(system, verified_user(system, an_address("known")))
    for text in ("not an address", "", "@", "x" * 400 + "@example.com"):
        answer = request_reset(system, text)
        assert (answer.status_code, answer.json()) == (known.status_code, known.json())
    assert known.status_code == 202


def test_a_weak_new_password_is_refused_naming_the_rule_and_the_link_still_works(
    system: Stack,
) -> None:
    email = verified_user(system, an_address("weak"))
    request_reset(system, email)
    token = token_in(wait_for_mails(system, email, count=2)[1])
    weak = confirm_reset(system, token, "passwordpassword")
    assert weak.status_code == 422
    problem = weak.json()
    assert problem["type"] == "urn:problem:identity:weak-password"
    [error] = problem["errors"]
    assert error["field"] == "new_password" and error["rule"] == "password-strength"
    assert error["message"]
    assert confirm_reset(system, token).status_code == 204


def test_bad_and_expired_looking_tokens_are_a_400_problem(system: Stack) -> None:
    answer = confirm_reset(system, "made-up-token")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_only_the_newest_link_works(system: Stack) -> None:
    email = verified_user(system, an_address("twice"))
    request_reset(system, email)
    first = token_in(wait_for_mails(system, email, count=2)[1])
    # The second request inside a minute sends no second mail (no mail bombs), so the first
    # link is still the one that works.
    request_reset(system, email)
    time.sleep(1.0)
    assert len(mails_to(system, email)) == 2
    assert confirm_reset(system, first).status_code == 204


def test_the_link_in_the_mail_opens_a_page_that_sets_the_password(system: Stack) -> None:
    email = verified_user(system, an_address("browser"), language="en")
    request_reset(system, email)
    token = token_in(wait_for_mails(system, email, count=2)[1])
    page = httpx.get(
        f"{system.gateway_url}/reset-password",
        params={"token": token},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 200 and 'type="password"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    # A password the rules refuse: said in the page's language, and the form is there again
    # with the same link.
    weak = httpx.post(
        f"{system.gateway_url}/reset-password",
        data={"token": token, "new_password": "password1234"},
        headers={"Accept-Language": "nl"},
    )
    assert weak.status_code == 422
    assert "te makkelijk te raden" in weak.text
    assert 'type="password"' in weak.text and f'value="{token}"' in weak.text
    done = httpx.post(
        f"{system.gateway_url}/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert done.status_code == 200 and "password is changed" in done.text
    assert 'href="/login"' in done.text
    assert login(system, email, NEW_PASSWORD, address=a_client()).status_code == 201
    # The link is used up: no form, a way to a new link.
    used = httpx.post(
        f"{system.gateway_url}/reset-password",
        data={"token": token, "new_password": "yet another long passphrase"},
        headers={"Accept-Language": "en"},
    )
    assert used.status_code == 400 and 'type="password"' not in used.text
    assert 'href="/reset-password"' in used.text

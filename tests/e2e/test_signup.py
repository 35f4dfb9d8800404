"""Sign up, get the verification mail, verify: the first flow a user sees, over real HTTP."""

from __future__ import annotations

import time
import uuid

import httpx
from devstack.stack import Stack

from tests.e2e.system import (
    events_about,
    mails_to,
    register,
    token_in,
    verify,
    wait_for_mails,
)


def an_address() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.nl"


def test_a_new_user_gets_the_mail_within_two_seconds_and_verifies(stack: Stack) -> None:
    email = an_address()
    started = time.monotonic()
    answer = register(stack, email, environment_name="Bakkerij De Korenschoof")
    assert answer.status_code == 202
    correlation_id = answer.headers["x-correlation-id"]

    [mail] = wait_for_mails(stack, email, timeout=2.0)
    assert time.monotonic() - started < 2.0
    assert mail["Subject"] == "Bevestig je e-mailadres voor E-facturatie"
    assert mail["X-Correlation-Id"] == correlation_id, "one id from the request to the mail"
    token = token_in(mail)

    verified = verify(stack, token)
    assert verified.status_code == 200
    body = verified.json()
    assert set(body) == {"user_id", "environment_id"}
    uuid.UUID(body["user_id"])

    again = verify(stack, token)
    assert again.status_code == 400
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"] == "urn:problem:identity:invalid-verification-token"


def test_the_mail_speaks_english_to_an_english_user(stack: Stack) -> None:
    email = an_address()
    register(stack, email, language="en")
    [mail] = wait_for_mails(stack, email)
    assert mail["Subject"] == "Confirm your e-mail address for E-invoicing"
    assert "Hello Test User" in mail.get_body(preferencelist=("plain",)).get_content()


def test_signing_up_twice_answers_the_same_creates_nothing_and_tells_the_owner(
    stack: Stack,
) -> None:
    email = an_address()
    first = register(stack, email)
    wait_for_mails(stack, email)
    second = register(stack, email.upper())
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    mails = wait_for_mails(stack, email, count=2)
    assert mails[1]["Subject"] == "Je hebt al een account bij E-facturatie"
    time.sleep(1.0)
    assert len(mails_to(stack, email)) == 2
    assert [e["type"] for e in events_about(stack, email)] == [
        "UserRegistered",
        "EmailVerificationRequested",
        "SignUpAttemptedForExistingAccount",
    ]


def test_the_bus_and_the_mail_never_carry_the_token_or_password_in_clear(stack: Stack) -> None:
    email = an_address()
    register(stack, email)
    token = token_in(wait_for_mails(stack, email)[0])
    published = str(events_about(stack, email))
    assert token not in published
    assert "correct horse battery staple" not in published


def test_a_wrong_token_is_a_400_problem(stack: Stack) -> None:
    answer = verify(stack, "not-a-token")
    assert answer.status_code == 400
    assert answer.json()["status"] == 400


def test_the_link_in_the_mail_opens_a_page_that_confirms_with_one_click(stack: Stack) -> None:
    email = an_address()
    register(stack, email, language="en")
    token = token_in(wait_for_mails(stack, email)[0])
    page = httpx.get(
        f"{stack.gateway_url}/verify-email",
        params={"token": token},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 200 and "Confirm" in page.text
    confirmed = httpx.post(
        f"{stack.gateway_url}/verify-email",
        data={"token": token},
        headers={"Accept-Language": "en"},
    )
    assert confirmed.status_code == 200
    assert "is confirmed" in confirmed.text
    assert verify(stack, token).status_code == 400, "the page used the token up"
    # The link again: said in the page's language, with the ways on (log in, or a new link).
    again = httpx.post(
        f"{stack.gateway_url}/verify-email",
        data={"token": token},
        headers={"Accept-Language": "nl"},
    )
    assert again.status_code == 400
    assert "Deze bevestigingslink werkt niet (meer)." in again.text
    assert 'href="/login"' in again.text and 'href="/signup"' in again.text

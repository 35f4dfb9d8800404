"""Sign-up rules: a known address is told by mail instead of signed up; passwords must be strong."""

from __future__ import annotations

import time

from devstack.stack import Stack

from tests.e2e.identity.people import a_client, an_address
from tests.e2e.system import (
    PASSWORD,
    events_about,
    login,
    mails_to,
    register,
    verified_user,
    wait_for_mails,
)


def test_the_owner_gets_one_mail_and_there_is_still_one_account(system: Stack) -> None:
    email = verified_user(system, an_address("taken"), language="en")
    first = register(system, email.upper(), full_name="Someone Else")
    second = register(system, email, full_name="Someone Else")
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()

    mails = wait_for_mails(system, email, count=2)
    time.sleep(1.0)
    mails = mails_to(system, email)
    assert [m["Subject"] for m in mails] == [
        "Confirm your e-mail address for E-invoicing",
        "You already have an E-invoicing account",
    ], "one notice, however often it is tried in a short while"
    text = mails[1].get_body(preferencelist=("plain",)).get_content()
    assert "Hello Test User" in text, "written to the owner, in the owner's language"
    assert f"{system.gateway_url}/reset-password" in text

    registered = [e for e in events_about(system, email) if e["type"] == "UserRegistered"]
    assert len(registered) == 1
    # Nothing about the account changed: the owner's password still works, the other does not.
    assert login(system, email, PASSWORD, address=a_client()).status_code == 201


def test_a_guessable_password_is_refused_at_sign_up_naming_the_rule_and_the_advice(
    system: Stack,
) -> None:
    email = an_address("weak")
    answer = register(system, email, password="passwordpassword1")
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "urn:problem:identity:weak-password"
    [error] = problem["errors"]
    assert (error["field"], error["rule"]) == ("password", "password-strength")
    assert "common" in error["message"].lower() or "guess" in error["message"].lower()
    time.sleep(0.5)
    assert mails_to(system, email) == [], "nothing was created"

"""A signed-in user changes their password; every session ends (PUT /api/v1/me/password)."""

from __future__ import annotations

from devstack.stack import Stack

from tests.e2e.identity.account import call, signed_in, wait_for_event
from tests.e2e.identity.people import a_client
from tests.e2e.system import PASSWORD, login, me, refresh

NEW_PASSWORD = "violet kettle under seven bridges"


def test_a_password_change_ends_every_session_and_the_new_password_works(system: Stack) -> None:
    email, laptop = signed_in(system, "changer")
    phone = login(system, email, address=a_client()).json()
    user_id = laptop["user"]["id"]

    changed = call(
        system,
        "PUT",
        "/api/v1/me/password",
        laptop["access_token"],
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert changed.status_code == 204, changed.text
    for session in (laptop, phone):
        assert me(system, session["access_token"]).status_code == 401
        assert refresh(system, session["refresh_token"]).status_code == 401
    assert login(system, email, PASSWORD, address=a_client()).status_code == 401
    assert login(system, email, NEW_PASSWORD, address=a_client()).status_code == 201

    events = wait_for_event(system, "PasswordChanged", user_id)
    assert [e["data"]["reason"] for e in events] == ["change"]
    assert not {"password", "new_password", "password_hash"} & set(events[0]["data"])


def test_a_wrong_current_password_changes_nothing(system: Stack) -> None:
    email, session = signed_in(system, "wrongcurrent")
    token = session["access_token"]
    wrong = call(
        system,
        "PUT",
        "/api/v1/me/password",
        token,
        json={"current_password": "not my password at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "urn:problem:identity:wrong-current-password"
    assert me(system, token).status_code == 200, "the session goes on"
    assert login(system, email, address=a_client()).status_code == 201


def test_the_new_password_must_be_strong_and_the_body_right(system: Stack) -> None:
    _, session = signed_in(system, "weaknew")
    token = session["access_token"]
    weak = call(
        system,
        "PUT",
        "/api/v1/me/password",
        token,
        json={"current_password": PASSWORD, "new_password": "password1234"},
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "new_password"
    short = call(
        system,
        "PUT",
        "/api/v1/me/password",
        token,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 422
    anonymous = call(
        system,
        "PUT",
        "/api/v1/me/password",
        None,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert anonymous.status_code == 401
    assert me(system, token).status_code == 200

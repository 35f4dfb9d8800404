"""A user keeps their own name, phone and language (PATCH /api/v1/me), over real HTTP."""

from __future__ import annotations

from devstack.stack import Stack

from tests.e2e.identity.account import call, signed_in, wait_for_event
from tests.e2e.system import me


def test_a_user_changes_name_phone_and_language_and_reads_them_back(system: Stack) -> None:
    _, session = signed_in(system, "profile")
    token, user_id = session["access_token"], session["user"]["id"]

    changed = call(
        system,
        "PATCH",
        "/api/v1/me",
        token,
        json={"full_name": "Anna de Vries", "phone": "06 1234 5678", "language": "en"},
    )

    assert changed.status_code == 200, changed.text
    profile = changed.json()
    assert profile["full_name"] == "Anna de Vries"
    assert profile["phone"] == "+31612345678", "a Dutch number is kept in E.164"
    assert profile["language"] == "en"
    assert me(system, token).json() == profile

    # Only the name: the phone and language stay as they are.
    renamed = call(system, "PATCH", "/api/v1/me", token, json={"full_name": "Anna Jansen"})
    assert renamed.json()["phone"] == "+31612345678" and renamed.json()["language"] == "en"

    events = wait_for_event(system, "ProfileChanged", user_id)
    assert events, "ProfileChanged is published"
    first = events[0]["data"]
    assert sorted(first["changed"]) == ["full_name", "language", "phone"]
    assert first["phone"] == "+31612345678"
    assert events[0]["environmentid"] == session["user"]["environment_id"]


def test_a_phone_number_can_be_removed_and_a_foreign_one_given(system: Stack) -> None:
    _, session = signed_in(system, "phone")
    token = session["access_token"]
    foreign = call(system, "PATCH", "/api/v1/me", token, json={"phone": "+32 470 12 34 56"})
    assert foreign.json()["phone"] == "+32470123456"
    removed = call(system, "PATCH", "/api/v1/me", token, json={"phone": None})
    assert removed.status_code == 200 and removed.json()["phone"] is None


def test_a_phone_number_that_cannot_exist_is_a_problem_naming_the_field(system: Stack) -> None:
    _, session = signed_in(system, "badphone")
    token = session["access_token"]
    for bad in ("12", "not a number", "+31 6 123"):
        answer = call(system, "PATCH", "/api/v1/me", token, json={"phone": bad})
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == ["phone"]
    assert me(system, token).json()["phone"] is None, "nothing was changed"


def test_bad_profile_requests_are_problems(system: Stack) -> None:
    _, session = signed_in(system, "badprofile")
    token = session["access_token"]
    no_name = call(system, "PATCH", "/api/v1/me", token, json={"full_name": None})
    assert no_name.status_code == 422 and no_name.json()["errors"][0]["field"] == "full_name"
    klingon = call(system, "PATCH", "/api/v1/me", token, json={"language": "tlh"})
    assert klingon.status_code == 422
    unknown = call(system, "PATCH", "/api/v1/me", token, json={"email": "x@example.nl"})
    assert unknown.status_code == 422
    as_text = call(
        system, "PATCH", "/api/v1/me", token, content=b"{}", headers={"content-type": "text/plain"}
    )
    assert as_text.status_code == 415
    anonymous = call(system, "PATCH", "/api/v1/me", None, json={"full_name": "Mallory"})
    assert anonymous.status_code == 401
